using System.Diagnostics;
using System.Text;
using Warden.Core.Canonical;
using Warden.Core.Protection;

namespace Warden.Bench;

/// <summary>
/// `warden-bench pii [--data FILE]`: CPU of personal-data detection (issue 20's budget: at most 50 µs per 10 KB of
/// text, 0.5 ms for the 100 KB agent request), in process, single-threaded, after a warm-up that lets the tiered JIT
/// settle. Reports the median of several rounds of CPU time (process user+system) and wall time per operation, next
/// to decoding the same request (what every request pays without rules; with no rule, detection is not called).
/// </summary>
internal static class PersonalDataCost
{
    private const int Rounds = 7;

    public static int Run(string dataFile, TextWriter output, CancellationToken stop)
    {
        byte[] body = File.ReadAllBytes(dataFile);
        var codec = DialectCodecs.For(WireDialectName.OpenAIChat);
        CanonicalRequest Decode()
        {
            if (!codec.TryDecodeRequest(body, RequestContext.Empty, out var request, out var error))
            {
                throw new InvalidOperationException("The benchmark request does not decode: " + error?.Message);
            }

            return request;
        }

        var detector = PersonalDataDetector.Default;
        var request = Decode();
        string text = TextOf(request);
        // Ten-KB slices of the request's own text (code, prose, JSON), plus one of Chinese prose with values in it.
        var slices = Enumerable.Range(0, text.Length / 10240).Select(i => text.Substring(i * 10240, 10240)).ToList();
        slices.Add(ChineseProse(10240));
        byte[] key = Encoding.UTF8.GetBytes("bench-conversation");

        output.WriteLine($"request: {body.Length / 1024} KB body, {text.Length / 1024} K chars of text; {slices.Count} slices of 10 K chars");
        output.WriteLine($"scan finds: {detector.Scan(request).Describe()} (not inspected {detector.Scan(request).NotInspected})");
        output.WriteLine();
        output.WriteLine("| operation | CPU µs/op (median of 7) | wall µs/op |");
        output.WriteLine("|---|---|---|");
        Report(output, "decode the 100 KB request (baseline, paid without rules)", () => Decode(), stop);
        Report(output, "scan the 100 KB request", () => detector.Scan(request), stop);
        Report(output, "decode + mask the 100 KB request", () => detector.Mask(Decode(), key), stop);
        Report(output, "find in 10 K chars (mean over slices)", () =>
        {
            foreach (string slice in slices)
            {
                detector.Find(slice);
            }
        }, stop, slices.Count);
        Report(output, "find in 10 K chars of Chinese prose with values", () => detector.Find(slices[^1]), stop);
        return 0;
    }

    private static void Report(TextWriter output, string name, Action operation, CancellationToken stop, int perCall = 1)
    {
        // Warm-up: bounded in count and time, long enough for tier-1 code.
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 5000 && warm.Elapsed < TimeSpan.FromSeconds(3) && !stop.IsCancellationRequested; i++)
        {
            operation();
        }

        var cpu = new List<double>();
        var wall = new List<double>();
        using var process = Process.GetCurrentProcess();
        for (int round = 0; round < Rounds && !stop.IsCancellationRequested; round++)
        {
            process.Refresh();
            var cpuStart = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            int count = 0;
            while (count < 20000 && clock.Elapsed < TimeSpan.FromMilliseconds(700))
            {
                operation();
                count++;
            }

            clock.Stop();
            process.Refresh();
            double operations = (double)count * perCall;
            cpu.Add((process.TotalProcessorTime - cpuStart).TotalMicroseconds / operations);
            wall.Add(clock.Elapsed.TotalMicroseconds / operations);
        }

        output.WriteLine($"| {name} | {Percentiles.Of(cpu, 50):F1} | {Percentiles.Of(wall, 50):F1} |");
    }

    private static string TextOf(CanonicalRequest request)
    {
        var builder = new StringBuilder();
        foreach (var message in request.Messages)
        {
            foreach (var block in message.Content)
            {
                switch (block)
                {
                    case TextBlock text:
                        builder.Append(text.Text).Append('\n');
                        break;
                    case ToolCallBlock call:
                        builder.Append(call.ArgumentsJson).Append('\n');
                        break;
                    case ToolResultBlock result:
                        foreach (var part in result.Content.OfType<TextBlock>())
                        {
                            builder.Append(part.Text).Append('\n');
                        }

                        break;
                }
            }
        }

        return builder.ToString();
    }

    private static string ChineseProse(int length)
    {
        const string sentence = "客户张三的手机号是13812345678，邮箱zhangsan@example.cn，身份证号11010519491231002X，订单于2026年12月7日发货，请在三个工作日内联系。";
        var builder = new StringBuilder(length + sentence.Length);
        while (builder.Length < length)
        {
            builder.Append(sentence);
        }

        return builder.ToString(0, length);
    }
}
