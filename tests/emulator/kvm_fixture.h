// Tests that boot guests through the real /dev/kvm skip, with a reason,
// where there is none.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace vpmu::test {

class KvmTest : public testing::Test {
protected:
    void SetUp() override {
        if (::access("/dev/kvm", R_OK | W_OK) != 0) {
            GTEST_SKIP() << "/dev/kvm is not usable here: the guest-booting tests need KVM";
        }
    }
};

// The value printed after `key` on the guest's console (up to the next
// space or newline), or "" when the key is not there.
inline std::string console_value(const std::string& out, const std::string& key) {
    const std::size_t at = out.find(key);
    if (at == std::string::npos) return {};
    const std::size_t begin = at + key.size();
    const std::size_t end = out.find_first_of(" \n", begin);
    return out.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

}  // namespace vpmu::test
