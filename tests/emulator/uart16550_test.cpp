#include "devices/uart16550.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vpmu::dev {
namespace {

using namespace uart;

class StringConsole final : public ConsoleOutput {
public:
    void put(std::uint8_t byte) override { text.push_back(static_cast<char>(byte)); }
    void flush() override { ++flushes; }
    std::string text;
    int flushes = 0;
};

class UartTest : public testing::Test {
protected:
    std::uint8_t in(std::uint16_t reg) {
        std::uint8_t v = 0;
        uart.read(reg, std::span(&v, 1), IoContext{});
        return v;
    }
    void out(std::uint16_t reg, std::uint8_t v) { uart.write(reg, std::span(&v, 1), IoContext{}); }

    StringConsole console;
    std::vector<bool> irq_levels;
    Uart16550 uart{console, [this](bool level) { irq_levels.push_back(level); }};
};

TEST_F(UartTest, TransmitsThrWritesToTheConsole) {
    for (char c : std::string("hi\n")) out(kData, static_cast<std::uint8_t>(c));
    EXPECT_EQ(console.text, "hi\n");
    EXPECT_EQ(uart.bytes_transmitted(), 3u);
}

TEST_F(UartTest, LineStatusAlwaysReportsTransmitterEmpty) {
    EXPECT_EQ(in(kLsr) & (kLsrThre | kLsrTemt), kLsrThre | kLsrTemt);
    out(kData, 'x');
    EXPECT_EQ(in(kLsr) & (kLsrThre | kLsrTemt), kLsrThre | kLsrTemt);
    EXPECT_EQ(in(kLsr) & 0x01, 0);  // DR: nothing received
    EXPECT_EQ(in(kData), 0);
}

TEST_F(UartTest, ScratchAndLineControlReadBack) {
    out(kScr, 0xa5);
    EXPECT_EQ(in(kScr), 0xa5);
    out(kLcr, 0x03);
    EXPECT_EQ(in(kLcr), 0x03);
}

TEST_F(UartTest, DivisorLatchDoesNotTransmit) {
    out(kLcr, kLcrDlab);
    out(kData, 0x01);  // DLL
    out(kIer, 0x00);   // DLM
    EXPECT_EQ(in(kData), 0x01);
    out(kLcr, 0x03);
    EXPECT_TRUE(console.text.empty());
    EXPECT_EQ(in(kIer), 0);  // IER untouched by the DLM write
}

TEST_F(UartTest, IerKeepsItsFourBits) {
    out(kIer, 0xff);
    EXPECT_EQ(in(kIer), 0x0f);
    out(kIer, 0);
    EXPECT_EQ(in(kIer), 0);
}

TEST_F(UartTest, LoopbackMirrorsModemControlIntoModemStatus) {
    out(kMcr, kMcrLoop | 0x0a);  // RTS + OUT2: Linux's 8250 probe expects CTS + DCD
    EXPECT_EQ(in(kMsr) & 0xf0, 0x90);
    out(kMcr, kMcrLoop | 0x05);  // DTR + OUT1 -> DSR + RI
    EXPECT_EQ(in(kMsr) & 0xf0, 0x60);
    out(kData, 'x');             // loopback: nothing leaves on the line
    EXPECT_TRUE(console.text.empty());
    out(kMcr, 0x03);
    EXPECT_EQ(in(kMsr) & 0xf0, kMsrDcd | kMsrDsr | kMsrCts);
}

TEST_F(UartTest, FifoControlShowsInIir) {
    EXPECT_EQ(in(kIir), kIirNoInterrupt);
    out(kIir, kFcrEnableFifo);
    EXPECT_EQ(in(kIir), kIirFifoEnabled | kIirNoInterrupt);
}

TEST_F(UartTest, ThreInterruptRaisedAndAcknowledgedByIir) {
    out(kIer, kIerThri);  // THR is empty: the interrupt is due at once
    ASSERT_EQ(irq_levels, std::vector<bool>{true});
    EXPECT_EQ(in(kIir) & 0x0f, kIirThri);
    EXPECT_EQ(irq_levels, (std::vector<bool>{true, false}));
    EXPECT_EQ(in(kIir) & 0x0f, kIirNoInterrupt);  // acknowledged
    out(kData, 'a');  // transmitted: empty again, interrupt again
    EXPECT_EQ(irq_levels, (std::vector<bool>{true, false, true}));
    out(kIer, 0);
    EXPECT_EQ(irq_levels, (std::vector<bool>{true, false, true, false}));
}

TEST_F(UartTest, NoInterruptWithoutIer) {
    out(kData, 'a');
    EXPECT_TRUE(irq_levels.empty());
    EXPECT_EQ(in(kIir), kIirNoInterrupt);
}

}  // namespace
}  // namespace vpmu::dev
