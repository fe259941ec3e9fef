// Compile time of a large JSON schema (tests/support/large_json_schema.h: 400 properties, 40
// $defs chained through $ref, a recursive tree): schema -> GBNF, and schema -> GBNF -> Grammar.
// Run: build/bench/bench_schema_compile (issue 13's goal: under 10 ms for the whole compile).
#include <benchmark/benchmark.h>

#include <string>

#include "grammar/json_schema_gbnf.h"
#include "large_json_schema.h"

namespace herd {
namespace {

void BM_SchemaToGbnf(benchmark::State& state) {
  nlohmann::ordered_json schema = testing::large_json_schema(int(state.range(0)), 40);
  size_t bytes = 0;
  for (auto _ : state) {
    Result<std::string> gbnf = grammar::json_schema_to_gbnf(schema);
    if (!gbnf.ok()) {
      state.SkipWithError(gbnf.status().to_string().c_str());
      return;
    }
    bytes = gbnf->size();
    benchmark::DoNotOptimize(gbnf);
  }
  state.counters["gbnf_bytes"] = double(bytes);
}
BENCHMARK(BM_SchemaToGbnf)->Arg(40)->Arg(400)->Unit(benchmark::kMillisecond);

void BM_CompileJsonSchema(benchmark::State& state) {
  nlohmann::ordered_json schema = testing::large_json_schema(int(state.range(0)), 40);
  size_t rules = 0;
  for (auto _ : state) {
    Result<grammar::Grammar> g = grammar::compile_json_schema(schema);
    if (!g.ok()) {
      state.SkipWithError(g.status().to_string().c_str());
      return;
    }
    rules = g->rules.size();
    benchmark::DoNotOptimize(g);
  }
  state.counters["rules"] = double(rules);
}
BENCHMARK(BM_CompileJsonSchema)->Arg(40)->Arg(400)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace herd

BENCHMARK_MAIN();
