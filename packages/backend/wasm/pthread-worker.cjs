'use strict';
// Entry script of one wasm pthread (a Node worker_threads Worker) for tfjs-backend-wasm's
// threaded-SIMD build. tfjs ships this worker's code only as a string (it hands browsers a blob:
// URL, which worker_threads refuses), so this file evaluates that string in a CommonJS scope, where
// it finds `require`. tfjs escapes newlines the same way before making its blob: the string holds
// "\n" inside string literals that must stay escapes.
const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');
eval(wasmWorkerContents.replace(/\n/g, '\\n'));
