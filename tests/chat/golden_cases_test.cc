// Every case of ../shared/reference/chat-templates/cases.jsonl renders byte for byte as
// transformers rendered it (or fails with the template's raise_exception message).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "chat/chat_template.h"

namespace herd::chat {
namespace {

const std::string kDir = std::string(HERD_SHARED_DIR) + "/reference/chat-templates";

struct GoldenCase {
  std::string template_name;
  std::string name;
  nlohmann::ordered_json context;
  bool expects_error = false;
  std::string expected;
};

void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.template_name << " / " << c.name; }

std::vector<GoldenCase> load_cases() {
  std::vector<GoldenCase> out;
  std::ifstream in(kDir + "/cases.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::ordered_json::parse(line);
    GoldenCase c;
    c.template_name = j.at("template").get<std::string>();
    c.name = j.at("case").get<std::string>();
    c.context = j.at("context");
    if (j.contains("expected_error")) {
      c.expects_error = true;
      c.expected = j.at("expected_error").get<std::string>();
    } else {
      c.expected = j.at("expected").get<std::string>();
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class GoldenCaseTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenCaseTest, RendersLikeTransformers) {
  const GoldenCase& c = GetParam();
  const std::string text = read_file(kDir + "/templates/" + c.template_name);
  ASSERT_FALSE(text.empty()) << c.template_name;
  RenderOptions options;
  options.now = CivilTime{2024, 7, 26, 12, 0, 0};
  TemplateError error;
  Result<std::string> r = render_chat_template(text, c.context, options, &error);
  if (c.expects_error) {
    ASSERT_FALSE(r.ok()) << "rendered instead of failing:\n" << r.value();
    EXPECT_EQ(error.kind, TemplateError::Kind::kRaised) << r.status().message();
    EXPECT_EQ(r.status().message(), c.expected);
  } else {
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r.value(), c.expected);
  }
}

std::string case_label(const ::testing::TestParamInfo<GoldenCase>& info) {
  std::string s = info.param.template_name + "__" + info.param.name;
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(AllCases, GoldenCaseTest, ::testing::ValuesIn(load_cases()), case_label);

TEST(GoldenCases, AllCasesAreThere) { EXPECT_EQ(load_cases().size(), 445u); }

TEST(GoldenCases, TemplateParsesOnceRendersMany) {
  std::map<std::string, std::vector<GoldenCase>> by_template;
  for (auto& c : load_cases()) by_template[c.template_name].push_back(c);
  ASSERT_EQ(by_template.size(), 35u);
  for (const auto& [name, cases] : by_template) {
    Result<Template> t = Template::parse(read_file(kDir + "/templates/" + name));
    ASSERT_TRUE(t.ok()) << name << ": " << t.status().message();
    RenderOptions options;
    options.now = CivilTime{2024, 7, 26, 12, 0, 0};
    for (const auto& c : cases) {
      Result<std::string> r = t->render(c.context, options);
      EXPECT_EQ(r.ok(), !c.expects_error) << name << " " << c.name;
      if (r.ok()) {
        EXPECT_EQ(*r, c.expected) << name << " " << c.name;
      }
    }
  }
}

}  // namespace
}  // namespace herd::chat
