#include "boot/guest_memory.h"

#include <sys/mman.h>

#include <cerrno>
#include <utility>

namespace vpmu::vmm {

namespace {
constexpr std::uint64_t kPageSize = 4096;
}

Result<GuestMemory> GuestMemory::allocate(std::uint64_t size) {
    if (size == 0 || size % kPageSize != 0) {
        return make_error("guest memory size " + std::to_string(size) +
                          " is not a positive multiple of 4096");
    }
    // NORESERVE: a large --mem costs only the pages the guest touches.
    void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) {
        return make_error("cannot map " + std::to_string(size >> 20) +
                          " MiB of guest memory: " + std::strerror(errno));
    }
    return GuestMemory(static_cast<std::uint8_t*>(base), size);
}

GuestMemory::~GuestMemory() {
    if (base_ != nullptr) ::munmap(base_, size_);
}

GuestMemory::GuestMemory(GuestMemory&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)), size_(std::exchange(other.size_, 0)) {}

bool GuestMemory::contains(Gpa gpa, std::uint64_t length) const {
    return gpa.value <= size_ && length <= size_ - gpa.value;
}

Result<std::span<std::uint8_t>> GuestMemory::slice(Gpa gpa, std::uint64_t length) {
    if (!contains(gpa, length)) {
        return make_error("guest-physical range [" + to_hex(gpa.value) + ", +" +
                          to_hex(length) + ") is outside guest RAM (" +
                          std::to_string(size_ >> 20) + " MiB)");
    }
    return std::span<std::uint8_t>(base_ + gpa.value, length);
}

Result<void> GuestMemory::write(Gpa gpa, std::span<const std::uint8_t> bytes) {
    auto target = slice(gpa, bytes.size());
    if (!target) return target.error();
    std::memcpy(target->data(), bytes.data(), bytes.size());
    return {};
}

Result<void> GuestMemory::write(Gpa gpa, std::span<const std::byte> bytes) {
    return write(gpa, std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

Result<void> GuestMemory::fill(Gpa gpa, std::uint64_t length, std::uint8_t byte) {
    auto target = slice(gpa, length);
    if (!target) return target.error();
    std::memset(target->data(), byte, length);
    return {};
}

}  // namespace vpmu::vmm
