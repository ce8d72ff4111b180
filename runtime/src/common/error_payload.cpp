#include "common/error_payload.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>

#include <msgpack.hpp>

#include "troupe/serialization.hpp"

namespace troupe::internal {

std::string error_payload(std::string_view task, std::string_view type, std::string_view message) {
  std::string out;
  detail::byte_writer w{&out};
  msgpack::packer<detail::byte_writer> p{w};
  p.pack_array(3);
  p.pack(task);
  p.pack(type);
  p.pack(message);
  return out;
}

detail::error_info parse_error_payload(std::string_view payload, std::string key) {
  detail::error_info info;
  info.key = std::move(key);
  try {
    auto h = msgpack::unpack(payload.data(), payload.size());
    auto& o = h.get();
    if (o.type == msgpack::type::ARRAY && o.via.array.size == 3) {
      info.task_name = o.via.array.ptr[0].as<std::string>();
      info.exception_type = o.via.array.ptr[1].as<std::string>();
      info.message = o.via.array.ptr[2].as<std::string>();
      return info;
    }
  } catch (const std::exception&) {
  }
  info.exception_type = "troupe::garbled_error";
  info.message = "the worker sent an error report that could not be decoded";
  return info;
}

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> p{abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                           std::free};
  return status == 0 && p ? std::string{p.get()} : std::string{mangled};
}

std::string current_exception_type() {
  std::type_info* t = abi::__cxa_current_exception_type();
  return t ? demangle(t->name()) : std::string{"unknown"};
}

} // namespace troupe::internal
