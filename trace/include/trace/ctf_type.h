// The CTF 1.8 field types this project writes: byte-aligned little-endian
// integers (8/16/32/64 bits, optionally an enumeration or mapped to a clock),
// IEEE-754 doubles, UTF-8 strings, structures, fixed-length arrays and
// sequences (length taken from a preceding sibling integer, as in TSDL).
// It is the subset LTTng uses for its events, which is what the merged trace
// needs to carry guest events over unchanged (see merge.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace vpmu::trace::ctf {

enum class Kind : std::uint8_t { Integer, Real, String, Struct, Array, Sequence };

struct Type;
using TypePtr = std::shared_ptr<const Type>;

struct EnumMapping {
    std::string label;
    std::int64_t lo = 0;
    std::int64_t hi = 0;  // inclusive
};

struct Member {
    std::string name;
    TypePtr type;
};

struct Type {
    Kind kind = Kind::Integer;
    // Integer
    std::uint8_t bits = 64;  // 8, 16, 32 or 64
    bool is_signed = false;
    std::uint8_t base = 10;  // display base: 2, 8, 10, 16
    std::vector<EnumMapping> mappings;  // non-empty: a CTF enumeration
    // Struct
    std::vector<Member> members;
    // Array / Sequence
    TypePtr element;
    std::uint64_t length = 0;    // Array
    std::string length_field;    // Sequence: name of a preceding sibling integer
};

TypePtr u8();
TypePtr u16();
TypePtr u32();
TypePtr u64();
TypePtr s8();
TypePtr s16();
TypePtr s32();
TypePtr s64();
TypePtr hex64();  // u64 shown in base 16 (addresses, MSR values)
TypePtr hex32();
TypePtr real64();
TypePtr string();
TypePtr integer(std::uint8_t bits, bool is_signed, std::uint8_t base = 10);
TypePtr enumeration(TypePtr container, std::vector<EnumMapping> mappings);
TypePtr structure(std::vector<Member> members);
TypePtr array(TypePtr element, std::uint64_t length);
TypePtr sequence(TypePtr element, std::string length_field);

// Encoded size in bytes of a fixed-size type; 0 for strings/sequences and
// anything that contains them.
std::size_t fixed_size(const Type& type);

}  // namespace vpmu::trace::ctf
