#include "devices/uart16550.h"

namespace vpmu::dev {

using namespace uart;

void Uart16550::read(std::uint16_t offset, std::span<std::uint8_t> data, const IoContext&) {
    // Registers are bytes; a wider access reads the first and zero-extends.
    set_io_value(data, read_register(offset));
}

void Uart16550::write(std::uint16_t offset, std::span<const std::uint8_t> data,
                      const IoContext&) {
    if (!data.empty()) write_register(offset, data[0]);
}

std::uint8_t Uart16550::read_register(std::uint16_t offset) {
    switch (offset) {
        case kData: return dlab() ? dll_ : 0;  // nothing is ever received
        case kIer: return dlab() ? dlm_ : ier_;
        case kIir: {
            const std::uint8_t fifo = fifo_enabled_ ? kIirFifoEnabled : 0;
            if (thre_pending_ && (ier_ & kIerThri) != 0) {
                thre_pending_ = false;  // reading IIR acknowledges THRE (data sheet, Table IV)
                update_irq();
                return fifo | kIirThri;
            }
            return fifo | kIirNoInterrupt;
        }
        case kLcr: return lcr_;
        case kMcr: return mcr_;
        case kLsr: return kLsrThre | kLsrTemt;
        case kMsr: return modem_status();
        case kScr: return scr_;
        default: return 0xff;
    }
}

void Uart16550::write_register(std::uint16_t offset, std::uint8_t value) {
    switch (offset) {
        case kData:
            if (dlab()) {
                dll_ = value;
                break;
            }
            // In loopback mode the byte would go to the receiver, not the line.
            if ((mcr_ & kMcrLoop) == 0) {
                output_.put(value);
                ++transmitted_;
            }
            thre_pending_ = true;  // transmitted at once: THR is empty again
            break;
        case kIer:
            if (dlab()) {
                dlm_ = value;
                break;
            }
            // Enabling THRI while THR is empty raises the interrupt at once.
            if ((value & kIerThri) != 0 && (ier_ & kIerThri) == 0) thre_pending_ = true;
            ier_ = value & 0x0f;
            break;
        case kIir: fifo_enabled_ = (value & kFcrEnableFifo) != 0; break;
        case kLcr: lcr_ = value; break;
        case kMcr: mcr_ = value & 0x1f; break;
        case kScr: scr_ = value; break;
        default: break;  // LSR and MSR are read-only here
    }
    update_irq();
}

std::uint8_t Uart16550::modem_status() const {
    if ((mcr_ & kMcrLoop) != 0) {
        // Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD (MCR bits 0-3 to MSR bits 5,4,6,7).
        const std::uint8_t dtr = mcr_ & 0x01, rts = mcr_ & 0x02, out1 = mcr_ & 0x04,
                           out2 = mcr_ & 0x08;
        return static_cast<std::uint8_t>((dtr << 5) | (rts << 3) | (out1 << 4) | (out2 << 4));
    }
    return kMsrDcd | kMsrDsr | kMsrCts;  // a terminal is always attached
}

void Uart16550::update_irq() {
    const bool level = thre_pending_ && (ier_ & kIerThri) != 0;
    if (level == irq_level_) return;
    irq_level_ = level;
    if (irq_) irq_(level);
}

}  // namespace vpmu::dev
