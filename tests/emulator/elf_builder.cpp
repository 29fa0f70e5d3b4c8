#include "elf_builder.h"

#include <elf.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include <gtest/gtest.h>

namespace vpmu::test {

namespace {

template <class T>
void put(std::vector<std::uint8_t>& out, std::size_t offset, const T& value) {
    if (out.size() < offset + sizeof(T)) out.resize(offset + sizeof(T));
    std::memcpy(out.data() + offset, &value, sizeof(T));
}

std::vector<std::uint8_t> note_bytes(const ElfSpec& spec) {
    std::vector<std::uint8_t> note;
    const std::uint32_t namesz = static_cast<std::uint32_t>(spec.note_name.size() + 1);
    put(note, 0, namesz);
    put(note, 4, static_cast<std::uint32_t>(spec.pvh_desc_size));
    put(note, 8, spec.note_type);
    note.resize(12 + (namesz + 3) / 4 * 4, 0);
    std::memcpy(note.data() + 12, spec.note_name.c_str(), namesz);
    const std::size_t desc = note.size();
    if (spec.pvh_desc_size == 8) {
        put(note, desc, *spec.pvh_entry);
    } else {
        put(note, desc, static_cast<std::uint32_t>(*spec.pvh_entry));
        note.resize(desc + spec.pvh_desc_size, 0);
    }
    note.resize((note.size() + 3) / 4 * 4, 0);
    return note;
}

template <class Ehdr, class Phdr>
std::vector<std::uint8_t> build(const ElfSpec& spec, unsigned char elf_class, std::uint16_t machine) {
    const std::size_t nph = spec.segments.size() + (spec.pvh_entry ? 1 : 0);
    std::vector<std::uint8_t> out(sizeof(Ehdr) + nph * sizeof(Phdr), 0);
    Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = elf_class;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = spec.type;
    eh.e_machine = spec.machine.value_or(machine);
    eh.e_version = EV_CURRENT;
    eh.e_phoff = sizeof(Ehdr);
    eh.e_ehsize = sizeof(Ehdr);
    eh.e_phentsize = sizeof(Phdr);
    eh.e_phnum = static_cast<std::uint16_t>(nph);
    put(out, 0, eh);

    std::size_t ph_at = sizeof(Ehdr);
    for (const TestSegment& s : spec.segments) {
        Phdr ph{};
        ph.p_type = PT_LOAD;
        ph.p_offset = out.size();
        ph.p_paddr = ph.p_vaddr = s.paddr;
        ph.p_filesz = s.bytes.size();
        ph.p_memsz = s.mem_size != 0 ? s.mem_size : s.bytes.size();
        ph.p_align = 1;
        out.insert(out.end(), s.bytes.begin(), s.bytes.end());
        put(out, ph_at, ph);
        ph_at += sizeof(Phdr);
    }
    if (spec.pvh_entry) {
        const auto note = note_bytes(spec);
        Phdr ph{};
        ph.p_type = PT_NOTE;
        ph.p_offset = out.size();
        ph.p_filesz = note.size();
        ph.p_align = 4;
        out.insert(out.end(), note.begin(), note.end());
        put(out, ph_at, ph);
    }
    return out;
}

}  // namespace

std::vector<std::uint8_t> build_elf(const ElfSpec& spec) {
    if (spec.elf_class == 32) return build<Elf32_Ehdr, Elf32_Phdr>(spec, ELFCLASS32, EM_386);
    return build<Elf64_Ehdr, Elf64_Phdr>(spec, ELFCLASS64, EM_X86_64);
}

namespace {
// Files written by the tests, removed when the test program ends.
struct TempFiles {
    ~TempFiles() {
        for (const std::string& path : paths) ::unlink(path.c_str());
    }
    std::vector<std::string> paths;
};
TempFiles temp_files;
}  // namespace

std::string write_temp_file(const std::string& name, const std::vector<std::uint8_t>& bytes) {
    const std::string path = testing::TempDir() + "vpmu-" + std::to_string(::getpid()) + "-" + name;
    temp_files.paths.push_back(path);
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path;
}

}  // namespace vpmu::test
