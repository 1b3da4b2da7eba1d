using System.Diagnostics;
using System.Net;
using System.Text;
using Warden.Server.Simulator;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Telemetry;

/// <summary>
/// Issue 24: <c>/metrics</c> in Prometheus' text format after real requests (labels and counts), the traceparent of the
/// attempt's span on the upstream call (read from the simulator's journal), and the canary: a prompt, a client key and a
/// channel credential with unique strings, none of which may appear in the metrics, any span or any log line.
/// </summary>
public sealed class MetricsAndTracesTests
{
    [Fact]
    public async Task Metrics_AfterRequests_CountRequestsAndTokensByProtocolModelAndOutcome()
    {
        await using var server = await WardenTestServer.StartAsync();
        var before = await ScrapeAsync(server);
        var chat = server.Chat(SimulatorModels.Small);
        long input = 0, output = 0;
        for (int i = 0; i < 2; i++)
        {
            var answer = (await chat.CompleteChatAsync([new OpenAI.Chat.UserChatMessage($"hello {i}")])).Value;
            input += answer.Usage.InputTokenCount;
            output += answer.Usage.OutputTokenCount;
        }

        await foreach (var update in chat.CompleteChatStreamingAsync([new OpenAI.Chat.UserChatMessage("stream please")]))
        {
            if (update.Usage is { } usage)
            {
                input += usage.InputTokenCount;
                output += usage.OutputTokenCount;
            }
        }

        // A model nobody serves: counted, but under the unrouted label, never under the client's text.
        string madeUp = "made-up-" + Guid.NewGuid().ToString("N");
        using (var unknown = await server.Http.SendAsync(Requests.Chat(server.DemoKey, Requests.Body(madeUp, "hi"))))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using var response = await server.Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        string text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(madeUp, text, StringComparison.Ordinal);
        var after = PrometheusText.Parse(text);

        (string, string)[] completed = [("warden_protocol", "openai_chat"), ("gen_ai_request_model", SimulatorModels.Small), ("warden_outcome", "completed")];
        Assert.Equal(3, Delta(before, after, "warden_requests_total", completed));
        Assert.Equal(1, Delta(before, after, "warden_requests_total", ("gen_ai_request_model", "_unrouted"), ("warden_outcome", "client_error")));
        Assert.Equal(1, Delta(before, after, "warden_request_errors_total", ("error_type", "client_error"), ("http_response_status_code", "404")));
        Assert.Equal(input, Delta(before, after, "warden_tokens_total", ("gen_ai_request_model", SimulatorModels.Small), ("gen_ai_token_type", "input")));
        Assert.Equal(output, Delta(before, after, "warden_tokens_total", ("gen_ai_request_model", SimulatorModels.Small), ("gen_ai_token_type", "output")));
        Assert.Equal(3, Delta(before, after, "warden_request_duration_seconds_count", completed));
        Assert.Equal(1, Delta(before, after, "warden_request_time_to_first_token_seconds_count", ("gen_ai_request_model", SimulatorModels.Small)));
        Assert.Equal(3, Delta(before, after, "warden_upstream_attempts_total", ("warden_channel", Warden.Server.Hosting.FirstRun.DemoChannelName), ("warden_attempt_outcome", "ok")));

        // Nothing in flight now; the writer's queue and the circuits are reported.
        Assert.Equal(0, after.Sum("warden_streams_open", ("warden_protocol", "openai_chat")));
        Assert.Single(after.Matching("warden_usage_writer_queue_depth"));
        Assert.Equal(1, after.Sum("warden_upstream_circuit_state", ("warden_channel", Warden.Server.Hosting.FirstRun.DemoChannelName), ("gen_ai_request_model", SimulatorModels.Small), ("warden_circuit_state", "closed")));
        Assert.Equal(0, after.Sum("warden_upstream_circuit_state", ("warden_channel", Warden.Server.Hosting.FirstRun.DemoChannelName), ("gen_ai_request_model", SimulatorModels.Small), ("warden_circuit_state", "open")));
    }

    [Fact]
    public async Task Traceparent_OfTheAttemptSpan_ReachesTheUpstream_AndTheClientsTraceStaysHome()
    {
        using var spans = new SpanRecorder();
        await using var server = await WardenTestServer.StartAsync();

        // The client sends a traceparent of its own: Warden links to it, but its trace id must not go upstream.
        var clientTrace = ActivityTraceId.CreateRandom();
        string clientParent = $"00-{clientTrace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01";
        using var request = Requests.Chat(server.DemoKey, Requests.Body(SimulatorModels.Small, "trace me"));
        request.Headers.TryAddWithoutValidation("traceparent", clientParent);
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string requestId = response.Headers.GetValues("x-request-id").Single();

        var span = await spans.RequestSpanAsync(requestId);
        Assert.NotEqual(clientTrace, span.TraceId);
        Assert.Equal(clientTrace, Assert.Single(span.Links).Context.TraceId);
        Assert.Equal("chat " + SimulatorModels.Small, span.DisplayName);
        Assert.Equal("chat", span.GetTagItem("gen_ai.operation.name"));
        Assert.Equal(SimulatorModels.Small, span.GetTagItem("gen_ai.request.model"));
        Assert.Equal(SimulatorModels.Small, span.GetTagItem("gen_ai.response.model"));
        Assert.True(span.GetTagItem("gen_ai.usage.input_tokens") is long and > 0);
        Assert.True(span.GetTagItem("gen_ai.usage.output_tokens") is long and > 0);
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));

        var attempt = Assert.Single(spans.Stopped, a => a.ParentSpanId == span.SpanId);
        Assert.Equal(ActivityKind.Client, attempt.Kind);
        Assert.Equal(span.TraceId, attempt.TraceId);
        Assert.Equal("simulator", attempt.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("127.0.0.1", attempt.GetTagItem("server.address"));
        Assert.Equal("ok", attempt.GetTagItem("warden.attempt.outcome"));

        // The simulator journaled the traceparent it got: Warden's trace, the attempt span as parent.
        string upstreamRequestId = (await server.UsageForAsync(requestId)).UpstreamRequestId!;
        var entry = server.App.Simulator!.Journal.Find(upstreamRequestId);
        Assert.NotNull(entry);
        Assert.StartsWith($"00-{span.TraceId.ToHexString()}-{attempt.SpanId.ToHexString()}-", entry.TraceParent, StringComparison.Ordinal);
        Assert.DoesNotContain(clientTrace.ToHexString(), entry.TraceParent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Canary_InPromptKeyAndCredential_IsNeverInMetricsSpansOrLogs()
    {
        string canary = "CANARY" + Guid.NewGuid().ToString("N");
        string promptCanary = canary + "-prompt";
        string keyCanary = "wdn_" + canary + "-key";
        string credentialCanary = "sk-" + canary + "-credential";
        using var spans = new SpanRecorder();
        await using var upstream = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0, ApiKey = credentialCanary }, CancellationToken.None);
        await using var server = await WardenTestServer.StartAsync();
        server.AddChannel("simulator", "canary-channel", upstream.BaseUrl, credentialCanary, 10, SimulatorModels.Large);

        var ids = new List<string>();
        async Task SendAsync(HttpRequestMessage request, HttpStatusCode expected)
        {
            using (request)
            using (var response = await server.Http.SendAsync(request))
            {
                Assert.Equal(expected, response.StatusCode);
                await response.Content.ReadAsStringAsync();
                ids.Add(response.Headers.GetValues("x-request-id").Single());
            }
        }

        // Answered through the credential, complete and streamed, in two protocols.
        await SendAsync(Requests.Chat(server.DemoKey, Requests.Body(SimulatorModels.Large, promptCanary)), HttpStatusCode.OK);
        await SendAsync(Requests.Chat(server.DemoKey, Requests.Body(SimulatorModels.Large, promptCanary, stream: true)), HttpStatusCode.OK);
        var messages = new HttpRequestMessage(HttpMethod.Post, "v1/messages")
        {
            Content = new StringContent($$"""{"model":"{{SimulatorModels.Large}}","max_tokens":64,"messages":[{"role":"user","content":"{{promptCanary}}"}]}""", Encoding.UTF8, "application/json"),
        };
        messages.Headers.Add("x-api-key", server.DemoKey);
        messages.Headers.Add("anthropic-version", "2023-06-01");
        await SendAsync(messages, HttpStatusCode.OK);

        // The canary as a key, in each place a key travels (refused), and as a model nobody serves.
        await SendAsync(Requests.Chat(keyCanary, Requests.Body(SimulatorModels.Large, promptCanary)), HttpStatusCode.Unauthorized);
        await SendAsync(new HttpRequestMessage(HttpMethod.Post, $"v1beta/models/{SimulatorModels.Large}:generateContent?key={keyCanary}")
        {
            Content = new StringContent($$"""{"contents":[{"role":"user","parts":[{"text":"{{promptCanary}}"}]}]}""", Encoding.UTF8, "application/json"),
        }, HttpStatusCode.Unauthorized);
        await SendAsync(Requests.Chat(server.DemoKey, Requests.Body(canary + "-model", promptCanary)), HttpStatusCode.NotFound);

        Assert.True(upstream.Journal.Snapshot().Count >= 3, "the canary channel answered");
        string metrics = await server.Http.GetStringAsync("metrics");
        Assert.Contains("canary-channel", metrics, StringComparison.Ordinal);

        var mine = new List<Activity>();
        foreach (string id in ids)
        {
            var span = await spans.RequestSpanAsync(id);
            mine.Add(span);
            mine.AddRange(spans.Stopped.Where(a => a.ParentSpanId == span.SpanId && a.TraceId == span.TraceId));
        }

        Assert.Contains(mine, a => a.Kind == ActivityKind.Client && (a.GetTagItem("warden.channel") as string) == "canary-channel");
        string spanText = string.Join('\n', spans.Stopped.SelectMany(SpanRecorder.Texts));
        // The capture sees every category at Trace, the framework's request lines too, which print the URL (a Gemini
        // ?key=); Warden turns that category off (WardenApp), and JsonLogTests checks the real console of `warden serve`.
        string logs = string.Join('\n', server.Logs.Lines.Where(l => !l.Contains("Microsoft.AspNetCore.Hosting.Diagnostics", StringComparison.Ordinal)));
        foreach (var (where, text) in new[] { ("/metrics", metrics), ("spans", spanText), ("logs", logs) })
        {
            Assert.False(text.Contains(canary, StringComparison.Ordinal),
                $"the canary reached the {where}: " + string.Join(" | ", text.Split('\n').Where(l => l.Contains(canary, StringComparison.Ordinal)).Take(3)));
        }
    }

    private static async Task<PrometheusText> ScrapeAsync(WardenTestServer server) =>
        PrometheusText.Parse(await server.Http.GetStringAsync("metrics"));

    private static double Delta(PrometheusText before, PrometheusText after, string name, params (string, string)[] labels) =>
        after.Sum(name, labels) - before.Sum(name, labels);
}
