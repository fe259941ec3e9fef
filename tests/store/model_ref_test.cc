#include "store/model_ref.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace herd::store {
namespace {

ModelRef parsed(const std::string& name) {
  Result<ModelRef> r = ModelRef::parse(name);
  EXPECT_TRUE(r.ok()) << name << ": " << r.status().to_string();
  return r.ok() ? *r : ModelRef{};
}

TEST(ModelRefTest, FillsDefaults) {
  const ModelRef r = parsed("stories260K");
  EXPECT_EQ(r.full_name(), "registry.ollama.ai/library/stories260K:latest");
  EXPECT_EQ(r.short_name(), "stories260K");
  EXPECT_EQ(r.scheme, "https");
  EXPECT_EQ(r.manifest_relative_path(), "manifests/registry.ollama.ai/library/stories260K/latest");
  EXPECT_EQ(parsed("library/stories260K:latest"), r);
  EXPECT_EQ(parsed("registry.ollama.ai/library/stories260K"), r);
}

TEST(ModelRefTest, NamespacesTagsAndHosts) {
  EXPECT_EQ(parsed("me/tiny:q8_0").short_name(), "me/tiny:q8_0");
  const ModelRef local = parsed("http://127.0.0.1:5000/team/tiny:v1.2");
  EXPECT_EQ(local.scheme, "http");
  EXPECT_EQ(local.host, "127.0.0.1:5000");
  EXPECT_EQ(local.ns, "team");
  EXPECT_EQ(local.tag, "v1.2");
  // Docker's rule: a first part with a dot, a colon or "localhost" is a host.
  EXPECT_EQ(parsed("localhost/tiny").host, "localhost");
  EXPECT_EQ(parsed("localhost/tiny").ns, "library");
  EXPECT_EQ(parsed("example.com:8443/tiny").host, "example.com:8443");
  EXPECT_EQ(parsed("team/tiny").host, "registry.ollama.ai");
}

TEST(ModelRefTest, ShortNamesParseBack) {
  for (const std::string name : {"stories260K", "me/tiny:q8", "registry.ollama.ai/a.b/m", "registry.ollama.ai/localhost/m",
                                 "hf.co/u/r:Q4_0", "127.0.0.1:5000/library/x", "registry.ollama.ai/library/m:v1"}) {
    const ModelRef r = parsed(name);
    EXPECT_EQ(parsed(r.short_name()), r) << name << " -> " << r.short_name();
  }
  EXPECT_EQ(parsed("registry.ollama.ai/a.b/m").short_name(), "registry.ollama.ai/a.b/m");
}

TEST(ModelRefTest, HuggingFace) {
  const ModelRef r = parsed("hf.co/TheBloke/TinyLlama-1.1B-GGUF:Q4_K_M");
  EXPECT_TRUE(r.is_hugging_face());
  EXPECT_EQ(r.ns, "TheBloke");
  EXPECT_EQ(r.model, "TinyLlama-1.1B-GGUF");
  EXPECT_EQ(r.tag, "Q4_K_M");
  EXPECT_EQ(r.short_name(), "hf.co/TheBloke/TinyLlama-1.1B-GGUF:Q4_K_M");
  EXPECT_EQ(parsed("huggingface.co/a/b").host, "hf.co");
  EXPECT_FALSE(ModelRef::parse("hf.co/only-repo").ok());
}

TEST(ModelRefTest, RefusesWhatCouldEscapeThePath) {
  for (const std::string& bad : std::vector<std::string>
       {"", "..", "../evil", "a/../b", "ns/..", "/abs", "model:..", "model:../x", "a//b", "a/b/c/d", ".hidden",
        "ns/.hidden", "model:", ":tag", "ftp://host/model", "http://", "http://host", "mo del", "model\n",
        std::string("mo\0del", 6), "host..com/ns/model", "host:0/ns/m", "host:99999/ns/m", "host:/ns/m",
        "-host.com/ns/m", "model:tag:more", "ns/mod\\el", std::string(200, 'a'), "model:" + std::string(129, 't'),
        "caf\xc3\xa9"}) {
    EXPECT_FALSE(ModelRef::parse(bad).ok()) << "accepted \"" << bad << "\"";
  }
  EXPECT_FALSE(valid_name_part("a..b"));
  EXPECT_TRUE(valid_name_part("a.b"));
  EXPECT_TRUE(valid_tag("_x"));
  EXPECT_FALSE(valid_host("a/b"));
}

TEST(ModelRefTest, ErrorsNameThePartAndStayShort) {
  const Status s = ModelRef::parse("ns/bad!model").status();
  EXPECT_NE(s.message().find("bad model name"), std::string::npos) << s.message();
  EXPECT_LT(ModelRef::parse(std::string(5000, '/')).status().message().size(), 300u);
}

}  // namespace
}  // namespace herd::store
