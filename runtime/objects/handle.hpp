#pragma once
// Handles of the standard ABI: values at or below 0x1000 are predefined (a table entry);
// anything else is the address of one of our objects. Every object starts with a magic word,
// so a wrong or freed handle is answered with an error instead of a crash: freed objects are
// poisoned and parked, never returned to the allocator while the library runs.
#include <cstdint>

namespace efampi::rt {

constexpr uintptr_t predefined_limit = 0x1000;

template <class H>
inline uintptr_t handle_value(H h) {
    return reinterpret_cast<uintptr_t>(h);
}

enum class Magic : uint32_t {
    comm = 0xC0AA17C0,
    comm_pending = 0xC0AA17C1,  // made by MPI_Comm_idup, not usable until its request completes
    datatype = 0xDA7A7E9E,
    errhandler = 0xE44A4D1E,
    group = 0x6A0B6A0B,
    info = 0x1AF01AF0,
    op = 0x0B0B0B0B,
    session = 0x5E551045,
    dead = 0xDEADDEAD,
};

}  // namespace efampi::rt
