#include "trace/ctf_type.h"

namespace vpmu::trace::ctf {

TypePtr integer(std::uint8_t bits, bool is_signed, std::uint8_t base) {
    auto t = std::make_shared<Type>();
    t->kind = Kind::Integer;
    t->bits = bits;
    t->is_signed = is_signed;
    t->base = base;
    return t;
}

TypePtr u8() { static const TypePtr t = integer(8, false); return t; }
TypePtr u16() { static const TypePtr t = integer(16, false); return t; }
TypePtr u32() { static const TypePtr t = integer(32, false); return t; }
TypePtr u64() { static const TypePtr t = integer(64, false); return t; }
TypePtr s8() { static const TypePtr t = integer(8, true); return t; }
TypePtr s16() { static const TypePtr t = integer(16, true); return t; }
TypePtr s32() { static const TypePtr t = integer(32, true); return t; }
TypePtr s64() { static const TypePtr t = integer(64, true); return t; }
TypePtr hex64() { static const TypePtr t = integer(64, false, 16); return t; }
TypePtr hex32() { static const TypePtr t = integer(32, false, 16); return t; }

TypePtr real64() {
    static const TypePtr t = [] {
        auto r = std::make_shared<Type>();
        r->kind = Kind::Real;
        r->bits = 64;
        return r;
    }();
    return t;
}

TypePtr string() {
    static const TypePtr t = [] {
        auto s = std::make_shared<Type>();
        s->kind = Kind::String;
        return s;
    }();
    return t;
}

TypePtr enumeration(TypePtr container, std::vector<EnumMapping> mappings) {
    auto t = std::make_shared<Type>(*container);
    t->mappings = std::move(mappings);
    return t;
}

TypePtr structure(std::vector<Member> members) {
    auto t = std::make_shared<Type>();
    t->kind = Kind::Struct;
    t->members = std::move(members);
    return t;
}

TypePtr array(TypePtr element, std::uint64_t length) {
    auto t = std::make_shared<Type>();
    t->kind = Kind::Array;
    t->element = std::move(element);
    t->length = length;
    return t;
}

TypePtr sequence(TypePtr element, std::string length_field) {
    auto t = std::make_shared<Type>();
    t->kind = Kind::Sequence;
    t->element = std::move(element);
    t->length_field = std::move(length_field);
    return t;
}

std::size_t fixed_size(const Type& type) {
    switch (type.kind) {
    case Kind::Integer:
    case Kind::Real:
        return type.bits / 8;
    case Kind::String:
    case Kind::Sequence:
        return 0;
    case Kind::Array: {
        const std::size_t e = fixed_size(*type.element);
        return e == 0 ? 0 : e * type.length;
    }
    case Kind::Struct: {
        std::size_t total = 0;
        for (const auto& m : type.members) {
            const std::size_t s = fixed_size(*m.type);
            if (s == 0) return 0;
            total += s;
        }
        return total;
    }
    }
    return 0;
}

}  // namespace vpmu::trace::ctf
