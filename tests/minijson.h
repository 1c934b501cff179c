// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// A small JSON reader for the loader's --json summary: enough of RFC 8259
// to walk objects and arrays and read integers exactly (counters are u64,
// so integers are kept as integers, not squeezed through a double).
// parse_strict() also checks the text is JSON to the letter, for the tests
// of the writer itself; parse() reads leniently what other tests only walk.
#pragma once

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace xt {
namespace json {

struct Value {
	enum Type { NUL, BOOL, NUM, STR, ARR, OBJ } type = NUL;
	bool b = false;
	bool is_uint = false;
	uint64_t u = 0;
	double num = 0;
	std::string str;
	std::vector<Value> arr;
	std::vector<std::pair<std::string, Value>> obj;

	// Missing keys and indexes read as null, so a chain of lookups never
	// crashes a test: the assertion on the final value reports the miss.
	const Value &operator[](const std::string &key) const
	{
		for (auto &kv : obj)
			if (kv.first == key)
				return kv.second;
		return null();
	}
	const Value &operator[](size_t i) const { return i < arr.size() ? arr[i] : null(); }
	bool has(const std::string &key) const
	{
		for (auto &kv : obj)
			if (kv.first == key)
				return true;
		return false;
	}
	size_t size() const { return type == ARR ? arr.size() : obj.size(); }
	// Counters: UINT64_MAX when the value is not a non-negative integer.
	uint64_t u64() const { return type == NUM && is_uint ? u : UINT64_MAX; }

	static const Value &null()
	{
		static const Value v;
		return v;
	}
};

class Parser {
public:
	explicit Parser(const std::string &s, bool strict = false) : s_(s), strict_(strict) {}

	bool parse(Value &out, std::string &err)
	{
		out = Value();	/* a reused Value must not keep the last parse's keys */
		if (!value(out, 0) || (ws(), pos_ != s_.size())) {
			err = "JSON error at offset " + std::to_string(pos_) + " in: " + s_;
			return false;
		}
		return true;
	}

private:
	const std::string &s_;
	const bool strict_;
	size_t pos_ = 0;

	void ws()
	{
		while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' ||
					    s_[pos_] == '\r' || s_[pos_] == '\t'))
			pos_++;
	}
	bool eat(char c)
	{
		ws();
		if (pos_ < s_.size() && s_[pos_] == c) {
			pos_++;
			return true;
		}
		return false;
	}
	bool word(const char *w)
	{
		size_t n = std::char_traits<char>::length(w);

		if (s_.compare(pos_, n, w))
			return false;
		pos_ += n;
		return true;
	}
	bool string(std::string &out)
	{
		if (!eat('"'))
			return false;
		while (pos_ < s_.size() && s_[pos_] != '"') {
			char c = s_[pos_++];

			/* RFC 8259: control characters must be escaped. */
			if (strict_ && (unsigned char)c < 0x20)
				return false;
			if (c == '\\') {
				if (pos_ >= s_.size())
					return false;
				c = s_[pos_++];
				if (strict_ && !escape_ok(c))
					return false;
				switch (c) {
				case 'n': c = '\n'; break;
				case 't': c = '\t'; break;
				case 'r': c = '\r'; break;
				case 'b': c = '\b'; break;
				case 'f': c = '\f'; break;
				case 'u':
					/* Not produced by the loader; keep it verbatim. */
					out += "\\u";
					continue;
				default: break;	/* \" \\ \/ */
				}
			}
			out += c;
		}
		return pos_ < s_.size() && s_[pos_++] == '"';
	}
	/* c followed a backslash, pos_ is past it: \uXXXX needs four hex digits. */
	bool escape_ok(char c) const
	{
		if (c != 'u')
			return std::char_traits<char>::find("\"\\/bfnrt", 8, c) != nullptr;
		if (s_.size() - pos_ < 4)
			return false;
		for (size_t i = pos_; i < pos_ + 4; i++)
			if (!isxdigit((unsigned char)s_[i]))
				return false;
		return true;
	}
	/*
	 * Length of the number at pos_ by RFC 8259's grammar, 0 if none:
	 * strtod alone would also take "+1", ".5", "1.", "inf" or "0x10".
	 */
	size_t number_len() const
	{
		size_t i = pos_;
		auto digits = [&] {
			size_t from = i;

			while (i < s_.size() && isdigit((unsigned char)s_[i]))
				i++;
			return i > from;
		};

		if (i < s_.size() && s_[i] == '-')
			i++;
		if (i < s_.size() && s_[i] == '0')
			i++;
		else if (!digits())
			return 0;
		if (i < s_.size() && s_[i] == '.' && (i++, !digits()))
			return 0;
		if (i < s_.size() && (s_[i] == 'e' || s_[i] == 'E')) {
			i++;
			if (i < s_.size() && (s_[i] == '+' || s_[i] == '-'))
				i++;
			if (!digits())
				return 0;
		}
		return i - pos_;
	}
	bool number(Value &v)
	{
		const char *start = s_.c_str() + pos_;
		char *end;

		v.type = Value::NUM;
		v.num = strtod(start, &end);
		if (end == start)
			return false;
		/* strtod must read exactly the grammar's number, no more, no less. */
		if (strict_ && (size_t)(end - start) != number_len())
			return false;
		/* Digits only: an exact unsigned integer as well. */
		size_t i = 0;
		while (start + i < end && start[i] >= '0' && start[i] <= '9')
			i++;
		if (start + i == end) {
			v.is_uint = true;
			v.u = strtoull(start, nullptr, 10);
		}
		pos_ += end - start;
		return true;
	}
	bool value(Value &v, int depth)
	{
		if (depth > 64)
			return false;
		ws();
		if (pos_ >= s_.size())
			return false;
		switch (s_[pos_]) {
		case '{':
			pos_++;
			v.type = Value::OBJ;
			if (eat('}'))
				return true;
			do {
				std::pair<std::string, Value> kv;

				if (!string(kv.first) || !eat(':') || !value(kv.second, depth + 1))
					return false;
				v.obj.push_back(std::move(kv));
			} while (eat(','));
			return eat('}');
		case '[':
			pos_++;
			v.type = Value::ARR;
			if (eat(']'))
				return true;
			do {
				v.arr.emplace_back();
				if (!value(v.arr.back(), depth + 1))
					return false;
			} while (eat(','));
			return eat(']');
		case '"':
			v.type = Value::STR;
			return string(v.str);
		case 't':
			v.type = Value::BOOL;
			v.b = true;
			return word("true");
		case 'f':
			v.type = Value::BOOL;
			return word("false");
		case 'n':
			return word("null");
		default:
			return number(v);
		}
	}
};

inline bool parse(const std::string &s, Value &out, std::string &err)
{
	return Parser(s).parse(out, err);
}

/*
 * As parse(), and refuses what RFC 8259 does: bad or unfinished escapes,
 * raw control characters in strings, numbers outside its grammar, on top
 * of what parse() refuses already (trailing commas, missing colons,
 * unbalanced brackets, anything after the value).
 */
inline bool parse_strict(const std::string &s, Value &out, std::string &err)
{
	return Parser(s, true).parse(out, err);
}

} // namespace json
} // namespace xt
