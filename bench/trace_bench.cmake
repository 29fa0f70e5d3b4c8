# Trace benchmarks (included from bench/CMakeLists.txt).
add_executable(bench_trace_tracepoint trace_tracepoint_bench.cpp)
target_link_libraries(bench_trace_tracepoint PRIVATE vpmu_trace vpmu_warnings benchmark::benchmark_main)

add_executable(bench_trace_sync trace_sync_bench.cpp ${PROJECT_SOURCE_DIR}/tests/trace/synthetic_traces.cpp)
target_include_directories(bench_trace_sync PRIVATE ${PROJECT_SOURCE_DIR}/tests/trace)
target_link_libraries(bench_trace_sync PRIVATE vpmu_trace_sync vpmu_warnings benchmark::benchmark_main)
