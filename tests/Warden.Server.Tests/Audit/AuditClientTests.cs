using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Warden.Server.Audit;
using Warden.Server.Audit.Clients;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Audit;

/// <summary>The four protocol clients against the real simulator, which checks each protocol's credentials.</summary>
public sealed class AuditClientTests : IAsyncLifetime, IDisposable
{
    private const string Key = "sk-audit-client-test";
    private SimulatorHost _simulator = null!;
    private readonly AuditHttp _http = new(TimeSpan.FromSeconds(30), TimeProvider.System);

    public static TheoryData<string> Protocols => ["openai", "responses", "anthropic", "gemini"];

    public async Task InitializeAsync() => _simulator = await SimulatorHost.StartAsync(new SimulatorOptions { ApiKey = Key }, CancellationToken.None);

    public async Task DisposeAsync() => await _simulator.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task SendAsync_TextAnswer_StreamedAndCompleteAgree(string protocol)
    {
        var target = Target(protocol, SimulatorModels.Large);
        var prompt = new AuditPrompt
        {
            Messages = [AuditMessage.System("You are terse."), AuditMessage.User("Describe a lighthouse at dusk.")],
            MaxTokens = 400,
        };

        var complete = await target.SendAsync(prompt, CancellationToken.None);
        var streamed = await target.SendAsync(prompt with { Stream = true }, CancellationToken.None);

        foreach (var reply in new[] { complete, streamed })
        {
            Assert.True(reply.Succeeded, reply.Error);
            Assert.Equal(200, reply.Status);
            Assert.NotEmpty(reply.Text);
            Assert.Equal(AuditFinish.Stop, reply.Finish);
            Assert.Empty(reply.ToolCalls);
            Assert.StartsWith(SimulatorModels.Large, reply.ServedModel, StringComparison.Ordinal);
            Assert.True(reply.InputTokens > 0);
            Assert.True(reply.OutputTokens > 0);
            Assert.False(reply.Body.IsEmpty);
            Assert.True(reply.Headers.ContainsKey("content-type"));
        }

        Assert.Equal(complete.Text, streamed.Text);
        Assert.Equal(complete.InputTokens, streamed.InputTokens);
        Assert.Equal(complete.OutputTokens, streamed.OutputTokens);
        Assert.StartsWith("text/event-stream", streamed.Headers["content-type"], StringComparison.Ordinal);
        Assert.Equal(2, target.RequestsSent);
        Assert.Equal(2 * (complete.InputTokens + complete.OutputTokens), target.TokensSpent);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task SendAsync_OutputLimitReached_FinishIsLength(string protocol)
    {
        var target = Target(protocol, SimulatorModels.Small);
        var prompt = new AuditPrompt { Messages = [AuditMessage.User("Tell me a long story about the sea and its ships.")], MaxTokens = 3 };

        foreach (bool stream in new[] { false, true })
        {
            var reply = await target.SendAsync(prompt with { Stream = stream }, CancellationToken.None);
            Assert.True(reply.Succeeded, reply.Error);
            Assert.Equal(AuditFinish.Length, reply.Finish);
            Assert.NotNull(reply.RawFinish);
            Assert.True(reply.OutputTokens <= 3, $"{reply.OutputTokens} output tokens");
        }
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task SendAsync_DeclaredToolNamed_ToolCallWithArgumentsInBothModes(string protocol)
    {
        var target = Target(protocol, SimulatorModels.Small);
        var schema = JsonNode.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""")!.AsObject();
        var prompt = new AuditPrompt
        {
            Messages = [AuditMessage.User("Use get_weather for Paris.")],
            Tools = [new AuditToolDefinition("get_weather", "The weather in a city.", schema)],
        };

        var complete = await target.SendAsync(prompt, CancellationToken.None);
        var streamed = await target.SendAsync(prompt with { Stream = true }, CancellationToken.None);

        foreach (var reply in new[] { complete, streamed })
        {
            Assert.True(reply.Succeeded, reply.Error);
            Assert.Equal(AuditFinish.ToolCalls, reply.Finish);
            var call = Assert.Single(reply.ToolCalls);
            Assert.Equal("get_weather", call.Name);
            using var arguments = JsonDocument.Parse(call.ArgumentsJson);
            Assert.Equal(JsonValueKind.String, arguments.RootElement.GetProperty("city").ValueKind);
        }

        Assert.Equal(
            JsonNode.Parse(complete.ToolCalls[0].ArgumentsJson)!.ToJsonString(),
            JsonNode.Parse(streamed.ToolCalls[0].ArgumentsJson)!.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task SendAsync_UnknownModel_FailedReplyWithTheStatus(string protocol)
    {
        var reply = await Target(protocol, "no-such-model").SendAsync(new AuditPrompt { Messages = [AuditMessage.User("hi")] }, CancellationToken.None);

        Assert.False(reply.Succeeded);
        Assert.Equal(404, reply.Status);
        Assert.StartsWith("HTTP 404: ", reply.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task SendAsync_WrongKey_FailedReply401(string protocol)
    {
        var target = AuditTargets.Create(Parse(protocol), "target", BaseUrl(protocol), SimulatorModels.Small, "sk-wrong", _http);

        var reply = await target.SendAsync(new AuditPrompt { Messages = [AuditMessage.User("hi")] }, CancellationToken.None);

        Assert.False(reply.Succeeded);
        Assert.Equal(protocol == "gemini" ? 400 : 401, reply.Status); // Gemini answers a bad key with 400 API_KEY_INVALID
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task SendAsync_NothingListening_FailedReplyStatusZero(string protocol)
    {
        var target = AuditTargets.Create(Parse(protocol), "target", new Uri($"http://127.0.0.1:{ClosedPort()}/v1/"), SimulatorModels.Small, Key, _http);

        var reply = await target.SendAsync(new AuditPrompt { Messages = [AuditMessage.User("hi")] }, CancellationToken.None);
        var (status, _) = await target.GetAsync("/.well-known/warden/jwks.json", CancellationToken.None);

        Assert.Equal(0, reply.Status);
        Assert.False(reply.Succeeded);
        Assert.StartsWith("could not connect", reply.Error, StringComparison.Ordinal);
        Assert.Equal(0, status);
        Assert.Null(await target.DescribeModelAsync(CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task DescribeModelAsync_ListedModel_FoundAndUnlistedIsNull(string protocol)
    {
        var info = await Target(protocol, SimulatorModels.Reasoner).DescribeModelAsync(CancellationToken.None);
        var missing = await Target(protocol, "no-such-model").DescribeModelAsync(CancellationToken.None);

        Assert.NotNull(info);
        Assert.Equal(SimulatorModels.Reasoner, info.Id);
        Assert.Null(missing);
    }

    [Fact]
    public async Task Anthropic_HostRootAndV1Base_ReachTheSameMessagesRoute()
    {
        var prompt = new AuditPrompt { Messages = [AuditMessage.User("Name a colour.")] };
        var root = AuditTargets.Create(AuditProtocol.Anthropic, "target", _simulator.RootUrl, SimulatorModels.Small, Key, _http);
        var v1 = AuditTargets.Create(AuditProtocol.Anthropic, "target", new Uri(_simulator.RootUrl, "v1"), SimulatorModels.Small, Key, _http);

        var a = await root.SendAsync(prompt, CancellationToken.None);
        var b = await v1.SendAsync(prompt, CancellationToken.None);

        Assert.True(a.Succeeded, a.Error);
        Assert.True(b.Succeeded, b.Error);
        Assert.Equal(a.Text, b.Text);
    }

    [Fact]
    public async Task GetAsync_PathFromTheOrigin_ReturnsStatusAndBody()
    {
        // The base ends in /v1/, the path is taken from the host root.
        var target = Target("openai", SimulatorModels.Small);

        var (status, body) = await target.GetAsync("/v1/models", CancellationToken.None);

        Assert.Equal(200, status);
        Assert.Contains(SimulatorModels.Small, body, StringComparison.Ordinal);
    }

    private IAuditTarget Target(string protocol, string model) => AuditTargets.Create(Parse(protocol), "target", BaseUrl(protocol), model, Key, _http);

    private Uri BaseUrl(string protocol) => protocol == "gemini" ? _simulator.GeminiBaseUrl : _simulator.BaseUrl;

    private static AuditProtocol Parse(string protocol) => AuditTargets.TryParse(protocol, out var parsed) ? parsed : throw new ArgumentException(protocol);

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
