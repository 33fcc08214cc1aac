// The lab programs' command line: [--quick] [--json].
#pragma once

#include <cstdio>
#include <cstring>

struct LabArgs {
    bool quick = false;  // correctness only, no timings
    bool json = false;   // one JSON object per line
    bool ok = true;      // false: an unknown argument (usage printed)
};

inline LabArgs parse_lab_args(int argc, char** argv) {
    LabArgs a;
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--quick")) {
            a.quick = true;
        } else if (!std::strcmp(argv[i], "--json")) {
            a.json = true;
        } else {
            std::fprintf(stderr, "%s: unknown argument '%s'; usage: %s [--quick] [--json]\n", argv[0], argv[i], argv[0]);
            a.ok = false;
        }
    }
    return a;
}
