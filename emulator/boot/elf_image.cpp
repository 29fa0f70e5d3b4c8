#include "boot/elf_image.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

namespace vpmu::vmm {

namespace {

// The ELF types of one class, so one parser serves ELF32 and ELF64.
struct Elf32Types {
    using Ehdr = Elf32_Ehdr;
    using Phdr = Elf32_Phdr;
    static constexpr unsigned kClass = 32;
    static constexpr std::uint16_t kMachine = EM_386;
    static constexpr const char* kMachineName = "EM_386";
};
struct Elf64Types {
    using Ehdr = Elf64_Ehdr;
    using Phdr = Elf64_Phdr;
    static constexpr unsigned kClass = 64;
    static constexpr std::uint16_t kMachine = EM_X86_64;
    static constexpr const char* kMachineName = "EM_X86_64";
};

// [offset, offset + length) lies within a buffer of `size` bytes.
bool fits(std::uint64_t offset, std::uint64_t length, std::uint64_t size) {
    return offset <= size && length <= size - offset;
}

template <class T>
T read_at(const std::vector<std::uint8_t>& bytes, std::uint64_t offset) {
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
}

std::uint64_t align_up(std::uint64_t value, std::uint64_t alignment) {
    return (value + alignment - 1) / alignment * alignment;
}

std::string range_text(std::uint64_t first, std::uint64_t length) {
    return "[" + to_hex(first) + ", " + to_hex(first + length) + ")";
}

// Looks for the PVH entry note in one PT_NOTE segment.
Result<std::optional<std::uint32_t>> find_pvh_note(const std::vector<std::uint8_t>& bytes,
                                                   std::uint64_t offset, std::uint64_t size,
                                                   std::uint64_t note_align) {
    const std::uint64_t pad = note_align == 8 ? 8 : 4;
    std::uint64_t pos = offset;
    const std::uint64_t end = offset + size;
    while (pos < end && end - pos >= 12) {
        const auto namesz = read_at<std::uint32_t>(bytes, pos);
        const auto descsz = read_at<std::uint32_t>(bytes, pos + 4);
        const auto type = read_at<std::uint32_t>(bytes, pos + 8);
        const std::uint64_t name_at = pos + 12;
        const std::uint64_t desc_at = name_at + align_up(namesz, pad);
        if (!fits(name_at, align_up(namesz, pad), end) || !fits(desc_at, descsz, end)) {
            return make_error("ELF note at offset " + to_hex(pos) + " runs past its PT_NOTE segment");
        }
        const bool xen = namesz == 4 && std::memcmp(bytes.data() + name_at, "Xen", 4) == 0;
        if (xen && type == kXenElfnotePhys32Entry) {
            if (descsz == 4) return std::optional(read_at<std::uint32_t>(bytes, desc_at));
            if (descsz == 8) {
                const auto entry = read_at<std::uint64_t>(bytes, desc_at);
                if (entry > UINT32_MAX) {
                    return make_error("PVH entry " + to_hex(entry) + " is above 4 GiB");
                }
                return std::optional(static_cast<std::uint32_t>(entry));
            }
            return make_error("PVH entry note has a " + std::to_string(descsz) +
                              "-byte descriptor; expected 4 or 8");
        }
        pos = desc_at + align_up(descsz, pad);
    }
    return std::optional<std::uint32_t>{};
}

Result<void> check_segment(const LoadSegment& s, std::size_t index, std::uint64_t file_size,
                           const ImageLimits& limits) {
    const std::string name = "segment " + std::to_string(index);
    if (s.file_size > s.mem_size) {
        return make_error(name + ": p_filesz " + to_hex(s.file_size) + " exceeds p_memsz " +
                          to_hex(s.mem_size));
    }
    if (!fits(s.file_offset, s.file_size, file_size)) {
        return make_error(name + ": file bytes " + range_text(s.file_offset, s.file_size) +
                          " run past the end of the file (" + std::to_string(file_size) +
                          " bytes): truncated image?");
    }
    if (!fits(s.gpa.value, s.mem_size, limits.ram_size)) {
        return make_error(name + ": loads at " + range_text(s.gpa.value, s.mem_size) +
                          ", outside guest RAM (" + std::to_string(limits.ram_size >> 20) +
                          " MiB); give the VM more memory with --mem");
    }
    const bool below = s.gpa.value + s.mem_size <= limits.reserved_first.value;
    const bool above = s.gpa >= limits.reserved_end;
    if (!below && !above) {
        return make_error(name + ": loads at " + range_text(s.gpa.value, s.mem_size) +
                          ", over the VMM's boot data at " +
                          range_text(limits.reserved_first.value,
                                     limits.reserved_end.value - limits.reserved_first.value));
    }
    return {};
}

Result<void> check_no_overlap(const std::vector<LoadSegment>& sorted) {
    for (std::size_t i = 1; i < sorted.size(); ++i) {
        const LoadSegment& a = sorted[i - 1];
        const LoadSegment& b = sorted[i];
        if (a.gpa.value + a.mem_size > b.gpa.value) {
            return make_error("segments overlap: " + range_text(a.gpa.value, a.mem_size) +
                              " and " + range_text(b.gpa.value, b.mem_size));
        }
    }
    return {};
}

Result<void> check_header(const std::vector<std::uint8_t>& bytes, const auto& ehdr,
                          std::uint16_t machine, const char* machine_name, std::size_t phdr_size) {
    if (ehdr.e_type != ET_EXEC) {
        return make_error("ELF type " + std::to_string(ehdr.e_type) +
                          " is not ET_EXEC (2): PVH needs an executable linked at physical "
                          "addresses");
    }
    if (ehdr.e_machine != machine) {
        return make_error("ELF machine " + std::to_string(ehdr.e_machine) + " is not " +
                          machine_name);
    }
    if (ehdr.e_phnum == 0) return make_error("ELF file has no program headers");
    if (ehdr.e_phentsize != phdr_size) {
        return make_error("ELF e_phentsize " + std::to_string(ehdr.e_phentsize) +
                          ", expected " + std::to_string(phdr_size));
    }
    if (!fits(ehdr.e_phoff, std::uint64_t{ehdr.e_phnum} * phdr_size, bytes.size())) {
        return make_error("ELF program headers at offset " + to_hex(ehdr.e_phoff) +
                          " run past the end of the file: truncated image?");
    }
    return {};
}

template <class Types>
Result<GuestImage> parse_class(std::vector<std::uint8_t> bytes, const ImageLimits& limits) {
    if (bytes.size() < sizeof(typename Types::Ehdr)) {
        return make_error("file is " + std::to_string(bytes.size()) + " bytes, shorter than an ELF" +
                          std::to_string(Types::kClass) + " header: truncated image?");
    }
    const auto ehdr = read_at<typename Types::Ehdr>(bytes, 0);
    using Phdr = typename Types::Phdr;
    if (auto ok = check_header(bytes, ehdr, Types::kMachine, Types::kMachineName, sizeof(Phdr));
        !ok) {
        return ok.error();
    }
    GuestImage image;
    image.elf_class = Types::kClass;
    std::optional<std::uint32_t> entry;
    for (unsigned i = 0; i < ehdr.e_phnum; ++i) {
        const auto ph = read_at<Phdr>(bytes, ehdr.e_phoff + std::uint64_t{i} * sizeof(Phdr));
        if (ph.p_type == PT_LOAD && ph.p_memsz > 0) {
            LoadSegment s{Gpa{ph.p_paddr}, ph.p_offset, ph.p_filesz, ph.p_memsz};
            if (auto ok = check_segment(s, i, bytes.size(), limits); !ok) return ok.error();
            image.segments.push_back(s);
        } else if (ph.p_type == PT_NOTE && !entry) {
            if (!fits(ph.p_offset, ph.p_filesz, bytes.size())) {
                return make_error("PT_NOTE segment " + std::to_string(i) +
                                  " runs past the end of the file: truncated image?");
            }
            auto note = find_pvh_note(bytes, ph.p_offset, ph.p_filesz, ph.p_align);
            if (!note) return note.error();
            entry = *note;
        }
    }
    if (image.segments.empty()) return make_error("ELF file has no loadable (PT_LOAD) segment");
    std::sort(image.segments.begin(), image.segments.end(),
              [](const LoadSegment& a, const LoadSegment& b) { return a.gpa < b.gpa; });
    if (auto ok = check_no_overlap(image.segments); !ok) return ok.error();
    if (!entry) {
        return make_error("no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY, type 18, name \"Xen\"): "
                          "not a PVH-bootable image");
    }
    const bool inside = std::any_of(image.segments.begin(), image.segments.end(),
                                    [&](const LoadSegment& s) {
                                        return *entry >= s.gpa.value &&
                                               *entry - s.gpa.value < s.file_size;
                                    });
    if (!inside) {
        return make_error("PVH entry " + to_hex(*entry) + " is not inside any loaded segment");
    }
    image.pvh_entry = *entry;
    image.bytes = std::move(bytes);
    return image;
}

}  // namespace

Result<GuestImage> parse_guest_image(std::vector<std::uint8_t> bytes, const ImageLimits& limits) {
    if (bytes.size() < EI_NIDENT || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0) {
        return make_error("not an ELF file (no \\x7fELF magic)");
    }
    if (bytes[EI_DATA] != ELFDATA2LSB) return make_error("ELF file is not little-endian");
    if (bytes[EI_VERSION] != EV_CURRENT) {
        return make_error("ELF version " + std::to_string(bytes[EI_VERSION]) + " is not 1");
    }
    switch (bytes[EI_CLASS]) {
        case ELFCLASS32: return parse_class<Elf32Types>(std::move(bytes), limits);
        case ELFCLASS64: return parse_class<Elf64Types>(std::move(bytes), limits);
        default:
            return make_error("ELF class " + std::to_string(bytes[EI_CLASS]) +
                              " is neither ELFCLASS32 nor ELFCLASS64");
    }
}

namespace {

Result<std::vector<std::uint8_t>> read_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(std::strerror(errno));
    struct stat st {};
    std::vector<std::uint8_t> bytes;
    std::string failure;
    if (::fstat(fd, &st) != 0) {
        failure = std::strerror(errno);
    } else if (!S_ISREG(st.st_mode)) {
        failure = "not a regular file";
    } else {
        bytes.resize(static_cast<std::size_t>(st.st_size));
        std::size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                failure = n < 0 ? std::strerror(errno) : "file shrank while being read";
                break;
            }
            done += static_cast<std::size_t>(n);
        }
    }
    ::close(fd);
    if (!failure.empty()) return make_error(failure);
    return bytes;
}

}  // namespace

Result<GuestImage> read_guest_image(const std::string& path, const ImageLimits& limits) {
    auto bytes = read_file(path);
    if (!bytes) return make_error("cannot read guest image '" + path + "': " + bytes.error().message);
    auto image = parse_guest_image(std::move(*bytes), limits);
    if (!image) return make_error("guest image '" + path + "' rejected: " + image.error().message);
    return image;
}

Result<void> load_guest_image(const GuestImage& image, GuestMemory& memory) {
    for (const LoadSegment& s : image.segments) {
        const std::span<const std::uint8_t> file_bytes(image.bytes.data() + s.file_offset,
                                                       s.file_size);
        if (auto ok = memory.write(s.gpa, file_bytes); !ok) return ok.error();
        if (auto ok = memory.fill(s.gpa + s.file_size, s.mem_size - s.file_size, 0); !ok) {
            return ok.error();
        }
    }
    return {};
}

}  // namespace vpmu::vmm
