// The server's metrics in Prometheus' text exposition format (version 0.0.4),
// written by hand: a few counters, gauges and histograms need no client library.

import type { IntervalHistogram } from 'node:perf_hooks';

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.buckets.forEach((b, i) => {
      if (value <= b) this.counts[i]++;
    });
    this.sum += value;
    this.count++;
  }
  render(name: string, help: string, lines: string[]): void {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    this.buckets.forEach((b, i) => lines.push(`${name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${name}_bucket{le="+Inf"} ${this.count}`, `${name}_sum ${this.sum}`, `${name}_count ${this.count}`);
  }
}

export class Metrics {
  readonly requestSeconds = new Histogram([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  readonly inferenceSeconds = new Histogram([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  readonly batchSize = new Histogram([1, 2, 4, 8, 16, 32, 64, 128]);
  readonly requests = new Map<number, number>();
  readonly errors = new Map<string, number>();
  queueDepth: () => number = () => 0;
  eventLoopDelay: IntervalHistogram | null = null;

  observeRequest(status: number, seconds: number): void {
    this.requests.set(status, (this.requests.get(status) ?? 0) + 1);
    this.requestSeconds.observe(seconds);
  }

  observeBatch(size: number, seconds: number): void {
    this.batchSize.observe(size);
    this.inferenceSeconds.observe(seconds);
  }

  countError(reason: string): void {
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + 1);
  }

  render(queued: number, preparing = 0): string {
    const lines: string[] = [];
    this.requestSeconds.render('ltr_request_duration_seconds', 'POST /v1/predict latency, from request to response.', lines);
    this.inferenceSeconds.render('ltr_inference_duration_seconds', 'Time of one batched forward (stack, forward, softmax).', lines);
    this.batchSize.render('ltr_batch_size', 'Images per forward.', lines);
    lines.push('# HELP ltr_requests_total Answered predict requests by status code.', '# TYPE ltr_requests_total counter');
    for (const [code, n] of [...this.requests].sort((a, b) => a[0] - b[0])) lines.push(`ltr_requests_total{code="${code}"} ${n}`);
    lines.push('# HELP ltr_errors_total Failed predict requests by reason.', '# TYPE ltr_errors_total counter');
    for (const [reason, n] of [...this.errors].sort()) lines.push(`ltr_errors_total{reason="${reason}"} ${n}`);
    lines.push('# HELP ltr_queue_depth Predict requests admitted and not yet answered.', '# TYPE ltr_queue_depth gauge', `ltr_queue_depth ${this.queueDepth()}`);
    lines.push('# HELP ltr_batch_queue_depth Preprocessed images waiting for a forward.', '# TYPE ltr_batch_queue_depth gauge', `ltr_batch_queue_depth ${queued}`);
    lines.push('# HELP ltr_preprocessing Admitted predict requests still being decoded and transformed.', '# TYPE ltr_preprocessing gauge', `ltr_preprocessing ${preparing}`);
    const d = this.eventLoopDelay;
    if (d !== null) {
      lines.push('# HELP ltr_event_loop_delay_seconds Event loop delay since start (quantiles).', '# TYPE ltr_event_loop_delay_seconds summary');
      for (const q of [0.5, 0.99, 1]) lines.push(`ltr_event_loop_delay_seconds{quantile="${q}"} ${(q === 1 ? d.max : d.percentile(q * 100)) / 1e9}`);
    }
    return lines.join('\n') + '\n';
  }
}
