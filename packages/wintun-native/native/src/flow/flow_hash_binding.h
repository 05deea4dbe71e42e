// flowHashes() and sipHash24(): the flow classifier that the multi-queue receive path sorts
// packets with, reached from JavaScript for its tests.
#pragma once

#include <napi.h>

namespace magma::flow {

void RegisterFlowHash(Napi::Env env, Napi::Object exports);

}  // namespace magma::flow
