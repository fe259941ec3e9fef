#include "chat/operators.h"

#include <cctype>
#include <cmath>
#include <cstdio>

#include "chat/unicode.h"

namespace herd::chat {
namespace {

[[noreturn]] void unsupported_operands(std::string_view op, const Value& a, const Value& b) {
  if (a.is_undefined()) throw_runtime(a.str().empty() ? "undefined value used in an expression" : a.str());
  if (b.is_undefined()) throw_runtime(b.str().empty() ? "undefined value used in an expression" : b.str());
  throw_runtime("unsupported operand type(s) for " + std::string(op) + ": '" + type_name(a) + "' and '" +
                type_name(b) + "'");
}

int64_t checked(bool overflow, int64_t v) {
  if (overflow) throw_runtime("integer overflow");
  return v;
}

Value repeat(const Value& seq, int64_t n, size_t max_bytes) {
  if (n <= 0) return seq.is_string() ? Value::string("", seq.is_markup()) : Value::list({}, seq.is_tuple());
  if (seq.is_string()) {
    if (!seq.str().empty() && static_cast<uint64_t>(n) > max_bytes / seq.str().size()) throw_limit("string repetition too large");
    std::string out;
    for (int64_t i = 0; i < n; ++i) out += seq.str();
    return Value::string(std::move(out), seq.is_markup());
  }
  if (!seq.items().empty() && static_cast<uint64_t>(n) > max_bytes / 8 / seq.items().size()) throw_limit("list repetition too large");
  ValueList out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), seq.items().begin(), seq.items().end());
  return Value::list(std::move(out), seq.is_tuple());
}

double float_mod(double x, double y) {
  double m = std::fmod(x, y);
  if (m != 0 && ((m < 0) != (y < 0))) m += y;
  return m;
}

}  // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\'': out += "&#39;"; break;
      case '"': out += "&#34;"; break;
      default: out += c;
    }
  }
  return out;
}

Value binary_op(std::string_view op, const Value& a, const Value& b, size_t max_bytes) {
  const bool nums = a.is_number() && b.is_number();
  const bool ints = nums && !a.is_float() && !b.is_float();
  if (op == "+") {
    if (ints) {
      int64_t r;
      const bool overflow = __builtin_add_overflow(a.as_int(), b.as_int(), &r);
      return Value::integer(checked(overflow, r));
    }
    if (nums) return Value::floating(a.as_float() + b.as_float());
    if (a.is_string() && b.is_string()) {
      if (a.str().size() + b.str().size() > max_bytes) throw_limit("string too large");
      if (a.is_markup() || b.is_markup()) {
        // markupsafe: the plain operand is escaped.
        return Value::string((a.is_markup() ? a.str() : html_escape(a.str())) +
                                 (b.is_markup() ? b.str() : html_escape(b.str())),
                             true);
      }
      return Value::string(a.str() + b.str());
    }
    const bool plain_lists = a.is_list() && b.is_list() && a.flavor() == ListFlavor::kList &&
                             b.flavor() == ListFlavor::kList;
    if (plain_lists || (a.is_list() && b.is_list() && a.is_tuple() && b.is_tuple())) {
      if ((a.items().size() + b.items().size()) * 8 > max_bytes) throw_limit("list too large");
      ValueList out = a.items();
      out.insert(out.end(), b.items().begin(), b.items().end());
      return Value::list(std::move(out), a.is_tuple());
    }
    unsupported_operands(op, a, b);
  }
  if (op == "-") {
    if (ints) {
      int64_t r;
      const bool overflow = __builtin_sub_overflow(a.as_int(), b.as_int(), &r);
      return Value::integer(checked(overflow, r));
    }
    if (nums) return Value::floating(a.as_float() - b.as_float());
    unsupported_operands(op, a, b);
  }
  if (op == "*") {
    if (ints) {
      int64_t r;
      const bool overflow = __builtin_mul_overflow(a.as_int(), b.as_int(), &r);
      return Value::integer(checked(overflow, r));
    }
    if (nums) return Value::floating(a.as_float() * b.as_float());
    if ((a.is_string() || a.is_list()) && b.is_number() && !b.is_float()) return repeat(a, b.as_int(), max_bytes);
    if ((b.is_string() || b.is_list()) && a.is_number() && !a.is_float()) return repeat(b, a.as_int(), max_bytes);
    unsupported_operands(op, a, b);
  }
  if (op == "/") {
    if (!nums) unsupported_operands(op, a, b);
    if (b.as_float() == 0) throw_runtime("division by zero");
    return Value::floating(a.as_float() / b.as_float());
  }
  if (op == "//") {
    if (!nums) unsupported_operands(op, a, b);
    if (ints) {
      if (b.as_int() == 0) throw_runtime("integer division or modulo by zero");
      if (a.as_int() == INT64_MIN && b.as_int() == -1) throw_runtime("integer overflow");
      int64_t q = a.as_int() / b.as_int();
      if ((a.as_int() % b.as_int() != 0) && ((a.as_int() < 0) != (b.as_int() < 0))) --q;
      return Value::integer(q);
    }
    if (b.as_float() == 0) throw_runtime("float floor division by zero");
    return Value::floating(std::floor(a.as_float() / b.as_float()));
  }
  if (op == "%") {
    if (a.is_string()) {
      std::string s = percent_format(a.str(), b);
      if (s.size() > max_bytes) throw_limit("string too large");
      return Value::string(std::move(s), a.is_markup());
    }
    if (!nums) unsupported_operands(op, a, b);
    if (ints) {
      if (b.as_int() == 0) throw_runtime("integer division or modulo by zero");
      if (b.as_int() == -1) return Value::integer(0);
      int64_t m = a.as_int() % b.as_int();
      if (m != 0 && ((m < 0) != (b.as_int() < 0))) m += b.as_int();
      return Value::integer(m);
    }
    if (b.as_float() == 0) throw_runtime("float modulo");
    return Value::floating(float_mod(a.as_float(), b.as_float()));
  }
  if (op == "**") {
    if (!nums) unsupported_operands(op, a, b);
    if (ints && b.as_int() >= 0) {
      int64_t result = 1, base = a.as_int();
      for (int64_t e = b.as_int(); e > 0; --e) {
        if (__builtin_mul_overflow(result, base, &result)) throw_runtime("integer overflow");
        if (result == 0 || result == 1) break;
        if (result == -1) {
          result = (e % 2 == 1) ? -1 : 1;
          break;
        }
      }
      return Value::integer(result);
    }
    if (a.as_float() == 0 && b.as_float() < 0) throw_runtime("0.0 cannot be raised to a negative power");
    return Value::floating(std::pow(a.as_float(), b.as_float()));
  }
  throw_runtime("unknown operator " + std::string(op));
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Kind::kString:
      if (!item.is_string())
        throw_runtime("'in <string>' requires string as left operand, not " + type_name(item));
      return container.str().find(item.str()) != std::string::npos;
    case Kind::kList:
      for (const Value& v : container.items())
        if (py_equal(v, item)) return true;
      return false;
    case Kind::kDict: return container.dict().find(item) != nullptr;
    default: {
      for (const Value& v : iterate(container))
        if (py_equal(v, item)) return true;
      return false;
    }
  }
}

std::string percent_format(const std::string& fmt, const Value& args) {
  ValueList positional;
  if (args.is_tuple()) {
    positional = args.items();
  } else {
    positional.push_back(args);
  }
  size_t next = 0;
  std::string out;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    if (++i >= fmt.size()) throw_runtime("incomplete format");
    Value arg;
    bool keyed = false;
    if (fmt[i] == '(') {
      const size_t close = fmt.find(')', i);
      if (close == std::string::npos || !args.is_dict()) throw_runtime("format requires a mapping");
      const Value* v = args.dict().find(std::string_view(fmt).substr(i + 1, close - i - 1));
      if (!v) throw_runtime("KeyError: " + fmt.substr(i + 1, close - i - 1));
      arg = *v;
      keyed = true;
      i = close + 1;
    }
    std::string spec = "%";
    while (i < fmt.size() && std::string_view("-+ #0").find(fmt[i]) != std::string_view::npos) spec += fmt[i++];
    while (i < fmt.size() && (std::isdigit(static_cast<unsigned char>(fmt[i])) || fmt[i] == '.')) spec += fmt[i++];
    if (i >= fmt.size()) throw_runtime("incomplete format");
    const char conv = fmt[i];
    if (conv == '%') {
      out += '%';
      continue;
    }
    if (!keyed) {
      if (next >= positional.size()) throw_runtime("not enough arguments for format string");
      arg = positional[next++];
    }
    char buf[512];
    switch (conv) {
      case 's':
      case 'r':
      case 'a': {
        const std::string s = conv == 's' ? to_str(arg) : to_repr(arg);
        if (spec == "%") {
          out += s;
        } else {
          std::snprintf(buf, sizeof buf, (spec + "s").c_str(), s.c_str());
          out += buf;
        }
        break;
      }
      case 'd':
      case 'i':
      case 'x':
      case 'X':
      case 'o': {
        if (!arg.is_number()) throw_runtime("%" + std::string(1, conv) + " format: a real number is required");
        const long long v = arg.is_float() ? static_cast<long long>(arg.as_float()) : arg.as_int();
        std::snprintf(buf, sizeof buf, (spec + "ll" + (conv == 'i' ? 'd' : conv)).c_str(), v);
        out += buf;
        break;
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G': {
        if (!arg.is_number()) throw_runtime("must be real number, not " + type_name(arg));
        std::snprintf(buf, sizeof buf, (spec + conv).c_str(), arg.as_float());
        out += buf;
        break;
      }
      case 'c': {
        std::string ch;
        if (arg.is_string() && utf8_length(arg.str()) == 1) {
          ch = arg.str();
        } else if (arg.is_int() && arg.as_int() >= 0 && arg.as_int() <= 0x10FFFF) {
          utf8_append(ch, static_cast<char32_t>(arg.as_int()));
        } else {
          throw_runtime("%c requires an int or a unicode character");
        }
        out += ch;
        break;
      }
      default: throw_runtime(std::string("unsupported format character '") + conv + "'");
    }
  }
  if (next < positional.size() && !args.is_dict())
    throw_runtime("not all arguments converted during string formatting");
  return out;
}

}  // namespace herd::chat
