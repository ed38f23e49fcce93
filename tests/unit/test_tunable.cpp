#include <gtest/gtest.h>
#include <stdlib.h>

#include "base/error.hpp"
#include "base/tunable.hpp"

using namespace efampi;

TEST(Tunable, DefaultsAndEnvironment) {
    unsetenv("EFAMPI_EAGER_LIMIT");
    EXPECT_EQ(8192, tunable_int("EFAMPI_EAGER_LIMIT"));
    setenv("EFAMPI_EAGER_LIMIT", "16K", 1);
    EXPECT_EQ(16384, tunable_int("EFAMPI_EAGER_LIMIT"));
    setenv("EFAMPI_EAGER_LIMIT", "0x100", 1);
    EXPECT_EQ(256, tunable_int("EFAMPI_EAGER_LIMIT"));
    setenv("EFAMPI_EAGER_LIMIT", "lots", 1);
    EXPECT_THROW(tunable_int("EFAMPI_EAGER_LIMIT"), Error);
    setenv("EFAMPI_EAGER_LIMIT", "12Q", 1);
    EXPECT_THROW(tunable_int("EFAMPI_EAGER_LIMIT"), Error);
    unsetenv("EFAMPI_EAGER_LIMIT");
    EXPECT_THROW(tunable_int("EFAMPI_NO_SUCH_THING"), Error);
    for (const auto& t : tunables()) {
        EXPECT_NE(nullptr, t.help);
        EXPECT_EQ(0, std::string(t.name).rfind("EFAMPI_", 0)) << t.name;
    }
}
