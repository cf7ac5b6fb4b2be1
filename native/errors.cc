#include "errors.h"

namespace ltr {

std::string cleanTorchMessage(const c10::Error& e) {
  // what_without_backtrace() is "<message>\nException raised from ..." on some
  // builds; keep the message lines and drop the location trailer.
  std::string msg = e.what_without_backtrace();
  const size_t raised = msg.find("Exception raised from ");
  if (raised != std::string::npos) msg.erase(raised);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

}  // namespace ltr
