// Guest RAM: one anonymous mapping that KVM maps at guest-physical address 0.
// The VMM reaches it only through the bounds-checked accessors below, with a
// guest-physical address type that does not mix with host pointers or sizes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "vpmu/hex.h"
#include "vpmu/result.h"

namespace vpmu::vmm {

// A guest-physical address.
struct Gpa {
    std::uint64_t value = 0;
    friend constexpr bool operator==(Gpa, Gpa) = default;
    friend constexpr auto operator<=>(Gpa, Gpa) = default;
    constexpr Gpa operator+(std::uint64_t offset) const { return Gpa{value + offset}; }
};

class GuestMemory {
public:
    // Maps `size` bytes of zeroed RAM (size > 0, a multiple of 4 KiB).
    static Result<GuestMemory> allocate(std::uint64_t size);

    ~GuestMemory();
    GuestMemory(GuestMemory&& other) noexcept;
    GuestMemory& operator=(GuestMemory&&) = delete;
    GuestMemory(const GuestMemory&) = delete;
    GuestMemory& operator=(const GuestMemory&) = delete;

    std::uint64_t size() const { return size_; }

    // True when [gpa, gpa + length) lies inside RAM (overflow-safe).
    bool contains(Gpa gpa, std::uint64_t length) const;

    // The bytes of [gpa, gpa + length), or an error naming the range.
    Result<std::span<std::uint8_t>> slice(Gpa gpa, std::uint64_t length);

    Result<void> write(Gpa gpa, std::span<const std::uint8_t> bytes);
    Result<void> fill(Gpa gpa, std::uint64_t length, std::uint8_t byte);

    // Copies a trivially copyable object in or out (guest memory is
    // little-endian, like the host).
    template <class T>
    Result<void> write_object(Gpa gpa, const T& object) {
        static_assert(std::is_trivially_copyable_v<T>);
        return write(gpa, std::as_bytes(std::span(&object, 1)));
    }
    template <class T>
    Result<T> read_object(Gpa gpa) {
        static_assert(std::is_trivially_copyable_v<T>);
        auto bytes = slice(gpa, sizeof(T));
        if (!bytes) return bytes.error();
        T object;
        std::memcpy(&object, bytes->data(), sizeof(T));
        return object;
    }

    // For KVM_SET_USER_MEMORY_REGION only.
    void* host_base_for_kvm() const { return base_; }

private:
    GuestMemory(std::uint8_t* base, std::uint64_t size) : base_(base), size_(size) {}
    Result<void> write(Gpa gpa, std::span<const std::byte> bytes);

    std::uint8_t* base_;
    std::uint64_t size_;
};

}  // namespace vpmu::vmm
