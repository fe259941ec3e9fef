// herd_test_postgres start|stop DIR: the CTest fixture that runs one throwaway PostgreSQL
// cluster for the whole test run (see postgres_cluster.h).
#include <cstdio>
#include <string>

#include "postgres_cluster.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: herd_test_postgres start|stop DIR\n");
    return 2;
  }
  const std::string verb = argv[1];
  const std::string dir = argv[2];
  if (verb == "start") {
    herd::testing::PostgresCluster::stop_detached(dir);  // one a killed run left behind
    const std::string error = herd::testing::PostgresCluster::start_detached(dir);
    if (!error.empty()) {
      std::fprintf(stderr, "herd_test_postgres: %s\n", error.c_str());
      return 1;
    }
    return 0;
  }
  if (verb == "stop") {
    herd::testing::PostgresCluster::stop_detached(dir);
    return 0;
  }
  std::fprintf(stderr, "usage: herd_test_postgres start|stop DIR\n");
  return 2;
}
