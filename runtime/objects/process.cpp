#include "runtime/objects/process.hpp"

namespace efampi::rt {

State g_state;

}  // namespace efampi::rt
