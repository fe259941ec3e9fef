// The public API: parse once, render many; errors; time.
#include "chat/chat_template.h"

#include <gtest/gtest.h>

#include "render_util.h"

namespace herd::chat {
namespace {

TEST(ChatTemplate, ParseOnceRenderMany) {
  Result<Template> t = Template::parse("{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}");
  ASSERT_TRUE(t.ok());
  auto ctx = nlohmann::ordered_json::parse(R"({"messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(*t->render(ctx), "<user>hi");
  ctx["messages"].push_back({{"role", "assistant"}, {"content", "yo"}});
  EXPECT_EQ(*t->render(ctx), "<user>hi<assistant>yo");
}

TEST(ChatTemplate, ContextMustBeAnObject) {
  Result<Template> t = Template::parse("x");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->render(nlohmann::ordered_json::array()).ok());
}

TEST(ChatTemplate, SyntaxErrorStatus) {
  TemplateError e;
  Result<std::string> r = render_chat_template("a\n{% if %}", nlohmann::ordered_json::object(), {}, &e);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "chat template syntax error at line 2, column 7: expected an expression, got end of statement block");
  EXPECT_EQ(e.kind, TemplateError::Kind::kSyntax);
}

TEST(ChatTemplate, LimitStatus) {
  RenderOptions o;
  o.max_output_bytes = 10;
  Result<std::string> r = render_chat_template("{{ 'x' * 100 }}", nlohmann::ordered_json::object(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
}

TEST(ChatTemplate, CivilTime) {
  Result<CivilTime> t = parse_civil_time("2024-07-26T12:00:00");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->year, 2024);
  EXPECT_EQ(t->hour, 12);
  EXPECT_TRUE(parse_civil_time("2024-07-26 08:30:05").ok());
  EXPECT_TRUE(parse_civil_time("2024-07-26").ok());
  EXPECT_FALSE(parse_civil_time("2024-13-01T00:00:00").ok());
  EXPECT_FALSE(parse_civil_time("yesterday").ok());
  EXPECT_EQ(format_civil_time(*t, "%d %B %Y, %a %H:%M %j"), "26 July 2024, Fri 12:00 208");
  EXPECT_EQ(format_civil_time(*t, "%-d %b"), "26 Jul");
  EXPECT_EQ(format_civil_time(*t, ""), "");
}

TEST(ChatTemplate, DefaultTimeIsNow) {
  RenderOptions o;  // no fixed time
  Result<std::string> r = render_chat_template("{{ strftime_now('%Y')|int > 2000 }}", nlohmann::ordered_json::object(), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "True");
}

}  // namespace
}  // namespace herd::chat
