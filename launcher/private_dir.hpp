#pragma once
// A private temporary directory for the PMIx server's rendezvous files and sockets, removed
// (with its contents) when the object is destroyed. Unix socket paths are limited to 108 bytes,
// so the directory is kept short: $TMPDIR when short enough, else /tmp.
#include <string>

namespace efampi::launcher {

class private_dir {
public:
    private_dir();  // throws launch_error when no directory can be made
    ~private_dir();
    private_dir(const private_dir&) = delete;
    private_dir& operator=(const private_dir&) = delete;

    const std::string& path() const { return path_; }
    // Removes it now (idempotent); for exits that skip destructors (_exit).
    void remove();

private:
    std::string path_;
};

}  // namespace efampi::launcher
