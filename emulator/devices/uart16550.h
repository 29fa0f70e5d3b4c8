// A 16550A UART (National Semiconductor PC16550D data sheet), transmit
// side only: the guest's THR writes go to a ConsoleOutput. The transmitter
// is always ready (LSR.THRE and LSR.TEMT set), nothing is ever received,
// and the remaining registers behave enough like the chip that a driver
// probing it (Linux's 8250 autoconfig: scratch, IER and loopback tests)
// finds a 16550A. The THRE interrupt is raised through an optional IRQ line.
#pragma once

#include <cstdint>
#include <functional>

#include "devices/console.h"
#include "devices/port_device.h"

namespace vpmu::dev {

inline constexpr std::uint16_t kCom1Port = 0x3f8;
inline constexpr std::uint32_t kCom1Irq = 4;
inline constexpr std::uint32_t kUartPorts = 8;

namespace uart {
// Register offsets.
inline constexpr std::uint16_t kData = 0;  // RBR (read) / THR (write) / DLL with DLAB
inline constexpr std::uint16_t kIer = 1;   // DLM with DLAB
inline constexpr std::uint16_t kIir = 2;   // IIR (read) / FCR (write)
inline constexpr std::uint16_t kLcr = 3;
inline constexpr std::uint16_t kMcr = 4;
inline constexpr std::uint16_t kLsr = 5;
inline constexpr std::uint16_t kMsr = 6;
inline constexpr std::uint16_t kScr = 7;
// Bits.
inline constexpr std::uint8_t kIerThri = 0x02;
inline constexpr std::uint8_t kIirNoInterrupt = 0x01;
inline constexpr std::uint8_t kIirThri = 0x02;
inline constexpr std::uint8_t kIirFifoEnabled = 0xc0;
inline constexpr std::uint8_t kFcrEnableFifo = 0x01;
inline constexpr std::uint8_t kLcrDlab = 0x80;
inline constexpr std::uint8_t kMcrLoop = 0x10;
inline constexpr std::uint8_t kLsrThre = 0x20;
inline constexpr std::uint8_t kLsrTemt = 0x40;
inline constexpr std::uint8_t kMsrCts = 0x10;
inline constexpr std::uint8_t kMsrDsr = 0x20;
inline constexpr std::uint8_t kMsrDcd = 0x80;
}  // namespace uart

class Uart16550 final : public PortDevice {
public:
    using IrqLine = std::function<void(bool level)>;

    explicit Uart16550(ConsoleOutput& output, IrqLine irq = {})
        : output_(output), irq_(std::move(irq)) {}

    void read(std::uint16_t offset, std::span<std::uint8_t> data, const IoContext& ctx) override;
    void write(std::uint16_t offset, std::span<const std::uint8_t> data,
               const IoContext& ctx) override;

    std::uint64_t bytes_transmitted() const { return transmitted_; }

private:
    std::uint8_t read_register(std::uint16_t offset);
    void write_register(std::uint16_t offset, std::uint8_t value);
    std::uint8_t modem_status() const;
    void update_irq();
    bool dlab() const { return (lcr_ & uart::kLcrDlab) != 0; }

    ConsoleOutput& output_;
    IrqLine irq_;
    std::uint8_t ier_ = 0, lcr_ = 0, mcr_ = 0, scr_ = 0, dll_ = 0x0c, dlm_ = 0;
    bool fifo_enabled_ = false;
    bool thre_pending_ = false;  // the THR-empty interrupt condition, cleared by reading IIR
    bool irq_level_ = false;
    std::uint64_t transmitted_ = 0;
};

}  // namespace vpmu::dev
