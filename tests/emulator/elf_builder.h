// Crafted guest images for the loader tests: ELF32/ELF64 executables with
// chosen segments and an optional PVH entry note, built in memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vpmu::test {

struct TestSegment {
    std::uint64_t paddr = 0x100000;
    std::vector<std::uint8_t> bytes{0x90, 0x90, 0xf4};  // file bytes
    std::uint64_t mem_size = 0;  // 0: bytes.size()
};

struct ElfSpec {
    unsigned elf_class = 64;
    std::optional<std::uint16_t> machine;  // default: EM_X86_64 / EM_386 by class
    std::uint16_t type = 2;                // ET_EXEC
    std::vector<TestSegment> segments{TestSegment{}};
    std::optional<std::uint64_t> pvh_entry = 0x100000;  // nullopt: no note
    unsigned pvh_desc_size = 4;
    std::string note_name = "Xen";
    std::uint32_t note_type = 18;
};

std::vector<std::uint8_t> build_elf(const ElfSpec& spec);

// Writes bytes to a fresh file under the test temp directory; returns its path.
std::string write_temp_file(const std::string& name, const std::vector<std::uint8_t>& bytes);

}  // namespace vpmu::test
