#pragma once
#include <memory>

#include "base/bootstrap.hpp"

namespace efampi::rt {

// A PMIx client when a PMIx server is reachable; a singleton (size 1) when none is and no
// launcher says otherwise; otherwise throws efampi::Error with a message saying why.
std::unique_ptr<Bootstrap> make_bootstrap();

// A size-1 job with an in-process exchange (also used by unit tests).
std::unique_ptr<Bootstrap> make_singleton();

}  // namespace efampi::rt
