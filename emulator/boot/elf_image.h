// The guest image: an ELF32 or ELF64 x86 executable with a PVH entry note
// (XEN_ELFNOTE_PHYS32_ENTRY), validated completely before anything is
// copied into guest RAM. Every rejection names the field and the value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "boot/guest_memory.h"
#include "vpmu/result.h"

namespace vpmu::vmm {

// XEN_ELFNOTE_PHYS32_ENTRY (xen/include/public/elfnote.h): the 32-bit
// physical entry point of a PVH kernel, in a note named "Xen".
inline constexpr std::uint32_t kXenElfnotePhys32Entry = 18;

struct LoadSegment {
    Gpa gpa;                    // p_paddr: PVH loads at physical addresses
    std::uint64_t file_offset;  // p_offset
    std::uint64_t file_size;    // p_filesz
    std::uint64_t mem_size;     // p_memsz; the rest past file_size is zeroed
};

// What the loader must respect: RAM size and a range the VMM keeps for
// its own boot data (start_info, memory map, command line, GDT).
struct ImageLimits {
    std::uint64_t ram_size = 0;
    Gpa reserved_first{0};
    Gpa reserved_end{0};  // exclusive; empty when equal to reserved_first
};

struct GuestImage {
    unsigned elf_class = 64;  // 32 or 64
    std::vector<LoadSegment> segments;  // PT_LOAD with p_memsz > 0, sorted by gpa
    std::uint32_t pvh_entry = 0;
    std::vector<std::uint8_t> bytes;  // the whole file
};

// Validates `bytes` as a PVH-bootable image for `limits`.
Result<GuestImage> parse_guest_image(std::vector<std::uint8_t> bytes, const ImageLimits& limits);

// Reads the file and parses it; errors name the path.
Result<GuestImage> read_guest_image(const std::string& path, const ImageLimits& limits);

// Copies the segments into RAM and zeroes their bss.
Result<void> load_guest_image(const GuestImage& image, GuestMemory& memory);

}  // namespace vpmu::vmm
