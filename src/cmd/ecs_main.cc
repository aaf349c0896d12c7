// ecs: the OpenECS command-line client. See cli/cli.h.
#include <string>
#include <vector>

#include "cli/cli.h"

int main(int argc, char** argv) {
  return openecs::RunCli(std::vector<std::string>(argv + 1, argv + argc));
}
