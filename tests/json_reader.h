// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// The tests' JSON reader: nlohmann::json (Debian nlohmann-json3-dev) parses,
// strictly to RFC 8259, and the result is turned into a plain tree whose
// lookups never throw: a missing key or index reads as null, so a chain of
// lookups never ends a test early and the assertion on the final value
// reports the miss. Integers stay integers (counters are u64).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

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

// A scalar (arrays and objects are from_ordered()'s).
inline void from_scalar(const nlohmann::ordered_json &j, Value &v)
{
	switch (j.type()) {
	case nlohmann::ordered_json::value_t::boolean:
		v.type = Value::BOOL;
		v.b = j.get<bool>();
		break;
	case nlohmann::ordered_json::value_t::number_unsigned:
		v.type = Value::NUM;
		v.is_uint = true;
		v.u = j.get<uint64_t>();
		v.num = (double)v.u;
		break;
	case nlohmann::ordered_json::value_t::number_integer:
	case nlohmann::ordered_json::value_t::number_float:
		v.type = Value::NUM;
		v.num = j.get<double>();
		break;
	case nlohmann::ordered_json::value_t::string:
		v.type = Value::STR;
		v.str = j.get<std::string>();
		break;
	default:
		v.type = Value::NUL;
	}
}

// Objects keep their keys in the order of the text: parse through
// ordered_json, whose objects are insertion-ordered.
inline void from_ordered(const nlohmann::ordered_json &j, Value &v)
{
	if (j.is_object()) {
		v.type = Value::OBJ;
		for (auto &kv : j.items()) {
			v.obj.emplace_back(kv.key(), Value());
			from_ordered(kv.value(), v.obj.back().second);
		}
		return;
	}
	if (j.is_array()) {
		v.type = Value::ARR;
		for (auto &e : j) {
			v.arr.emplace_back();
			from_ordered(e, v.arr.back());
		}
		return;
	}
	from_scalar(j, v);
}

// RFC 8259 to the letter (nlohmann's parser: no trailing commas, no raw
// control characters in strings, no leading zeros, nothing after the value).
inline bool parse_strict(const std::string &s, Value &out, std::string &err)
{
	out = Value();	/* a reused Value must not keep the last parse's keys */
	try {
		from_ordered(nlohmann::ordered_json::parse(s), out);
	} catch (const nlohmann::json::exception &e) {
		err = std::string("JSON error: ") + e.what() + " in: " + s;
		return false;
	}
	return true;
}

// What the tests that only walk the summary call; as strict.
inline bool parse(const std::string &s, Value &out, std::string &err)
{
	return parse_strict(s, out, err);
}

} // namespace json
} // namespace xt
