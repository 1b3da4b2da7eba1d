using System.Net;
using System.Text;
using System.Text.Json;
using Warden.Server.Relay;
using Warden.Server.Routing;
using Warden.Server.Simulator;
using Warden.Server.Tests.Resilience;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Relay;

/// <summary>
/// Issue 19, "no tool call the client did not offer": an upstream (here the simulator's inject-tool faults) that adds a
/// tool call the request did not declare, or one whose arguments are not JSON, never gets that call to the client. Every
/// client protocol, streamed and not, through the pass-through relays and translation pairs; the raw client bytes are read.
/// </summary>
public sealed class InjectedToolCallTests
{
    private const string Tool = "get_weather";

    /// <summary>Client protocol and upstream provider: each same-dialect relay, and translations both ways.</summary>
    public static TheoryData<string, string, bool> EveryRelay()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var (client, provider) in new[]
        {
            ("openai", "simulator"),                        // Chat Completions relay
            ("responses", "simulator-responses"),          // pass-through
            ("anthropic", "simulator-anthropic"),          // pass-through
            ("gemini", "simulator-gemini"),                // pass-through (SSE); the complete answer too
            ("anthropic", "simulator"),                    // translated: Anthropic client, Chat upstream
            ("openai", "simulator-anthropic"),             // translated: Chat client, Anthropic upstream
            ("gemini", "simulator-responses"),             // translated: Gemini client, Responses upstream
        })
        {
            data.Add(client, provider, false);
            data.Add(client, provider, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryRelay))]
    public async Task InjectedCall_NoToolsDeclared_IsStoppedBeforeTheClient(string client, string provider, bool stream)
    {
        await AssertStoppedAsync(client, provider, stream, SimulatorFault.InjectToolName, withTools: false, "undeclared_name");
    }

    [Theory]
    [MemberData(nameof(EveryRelay))]
    public async Task InjectedCall_ToAToolNotAmongThoseDeclared_IsStoppedBeforeTheClient(string client, string provider, bool stream)
    {
        await AssertStoppedAsync(client, provider, stream, SimulatorFault.InjectToolName, withTools: true, "undeclared_name");
    }

    [Theory]
    [InlineData("openai", "simulator", false)]
    [InlineData("openai", "simulator", true)]
    [InlineData("responses", "simulator-responses", false)]
    [InlineData("responses", "simulator-responses", true)]
    [InlineData("anthropic", "simulator-anthropic", true)]
    [InlineData("gemini", "simulator-gemini", true)]
    [InlineData("anthropic", "simulator", false)]
    [InlineData("anthropic", "simulator", true)]
    [InlineData("openai", "simulator-responses", true)]
    public async Task DeclaredToolCalledWithArgumentsThatAreNotJson_IsStoppedBeforeTheClient(string client, string provider, bool stream)
    {
        // Anthropic's complete answer and Gemini's embed arguments as JSON: arguments that are not an object there are
        // not a valid answer at all (the complete Anthropic and Gemini answers fail as protocol errors, tested elsewhere).
        await AssertStoppedAsync(client, provider, stream, SimulatorFault.InjectToolBadArgumentsName, withTools: true, "invalid_arguments");
    }

    [Theory]
    [MemberData(nameof(EveryRelay))]
    public async Task DeclaredToolCall_WithJsonArguments_PassesWithoutAnInjection(string client, string provider, bool stream)
    {
        await using var lab = await StartAsync(provider, faults: "");

        using var response = await lab.Server.Http.SendAsync(Build(lab, client, stream, withTools: true, $"What is the weather? Use {Tool} for Paris."), HttpCompletionOption.ResponseHeadersRead);
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(Tool, body, StringComparison.Ordinal);
        Assert.DoesNotContain(ToolCallRefusal.Code, body, StringComparison.Ordinal);
        var row = await lab.Server.UsageForAsync(FaultInjectionTests.RequestId(response));
        Assert.Equal("completed", row.Outcome);
    }

    [Fact]
    public async Task OpenAISdk_StreamedDeclaredToolCall_ArrivesWhole_WithParseableArguments()
    {
        await using var lab = await StartAsync("simulator", faults: "");
        var chat = lab.Server.Chat("sim-small");
        var options = new OpenAI.Chat.ChatCompletionOptions();
        options.Tools.Add(OpenAI.Chat.ChatTool.CreateFunctionTool(Tool, "Weather", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""")));

        var builder = new Dictionary<int, (string? Name, StringBuilder Arguments)>();
        OpenAI.Chat.ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new OpenAI.Chat.UserChatMessage($"Use {Tool} for Paris.")], options))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                if (!builder.TryGetValue(call.Index, out var entry))
                {
                    entry = (null, new StringBuilder());
                }

                entry.Name ??= call.FunctionName;
                entry.Arguments.Append(call.FunctionArgumentsUpdate?.ToString());
                builder[call.Index] = entry;
            }

            finish ??= update.FinishReason;
        }

        var (name, arguments) = Assert.Single(builder).Value;
        Assert.Equal(Tool, name);
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(arguments.ToString()).RootElement.ValueKind);
        Assert.Equal(OpenAI.Chat.ChatFinishReason.ToolCalls, finish);
    }

    [Theory]
    [InlineData("simulator-anthropic", "")]
    [InlineData("simulator", "")]
    [InlineData("simulator-anthropic", SimulatorFault.InjectToolName)]
    [InlineData("simulator", SimulatorFault.InjectToolName)]
    public async Task AnthropicSdk_GetsTheDeclaredCall_ButAnErrorInsteadOfAnInjectedOne(string provider, string faults)
    {
        await using var lab = await StartAsync(provider, faults);
        var client = new Anthropic.AnthropicClient { ApiKey = lab.Server.DemoKey, BaseUrl = lab.Server.Url.ToString().TrimEnd('/'), MaxRetries = 0 };
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""");
        var parameters = new Anthropic.Models.Messages.MessageCreateParams
        {
            Model = "sim-small",
            MaxTokens = 256,
            Messages = [new Anthropic.Models.Messages.UserMessageParam { Content = $"Use {Tool} for Paris." }],
            Tools =
            [
                new Anthropic.Models.Messages.Tool
                {
                    Name = Tool,
                    Description = "Weather",
                    InputSchema = Anthropic.Models.Messages.InputSchema.FromRawUnchecked(schema.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone())),
                },
            ],
        };

        if (faults.Length > 0)
        {
            // The declared call and the injected one come in one answer: the answer is refused whole.
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => client.Messages.Create(parameters));
            Assert.Contains(ToolCallRefusal.Code, refused.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(SimulatorInjectedCall.ToolName, refused.ToString(), StringComparison.Ordinal);
            return;
        }

        var message = await client.Messages.Create(parameters);
        var toolUse = Assert.Single(message.Content, b => b.TryPickToolUse(out _));
        Assert.True(toolUse.TryPickToolUse(out var block));
        Assert.Equal(Tool, block.Name);
        Assert.True(block.Input.ContainsKey("city"));
    }

    private static async Task AssertStoppedAsync(string client, string provider, bool stream, string fault, bool withTools, string reason)
    {
        await using var lab = await StartAsync(provider, fault);

        using var response = await lab.Server.Http.SendAsync(Build(lab, client, stream, withTools, "Tell me about routers."), HttpCompletionOption.ResponseHeadersRead);
        string body = await response.Content.ReadAsStringAsync();
        string id = FaultInjectionTests.RequestId(response);

        // The simulator did inject the call: it is the relay that kept it from the client.
        var entry = Assert.Single(await lab.WaitForAsync(fault));
        Assert.Equal(200, entry.StatusCode);

        // Nothing of the call reaches the client: not the injected name, not a fragment of the arguments (a stream splits
        // them, so no marker in them is sure to survive whole: no tool-call member of any protocol may appear at all).
        Assert.DoesNotContain(SimulatorInjectedCall.ToolName, body, StringComparison.Ordinal);
        Assert.DoesNotContain("sim-injected", body, StringComparison.Ordinal);
        foreach (var member in new[] { "\"tool_calls\"", "\"tool_use\"", "\"function_call", "\"functionCall\"", "command" })
        {
            Assert.DoesNotContain(member, body, StringComparison.Ordinal);
        }

        Assert.Contains(ToolCallRefusal.Code, body, StringComparison.Ordinal);
        if (!stream)
        {
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.True(JsonDocument.Parse(body).RootElement.TryGetProperty("error", out _), "the error is the protocol's error JSON");
        }
        else if (response.StatusCode == HttpStatusCode.OK)
        {
            // Committed before the call: the stream ends with the protocol's in-stream error, not its normal end.
            Assert.DoesNotContain("[DONE]", body, StringComparison.Ordinal);
            Assert.DoesNotContain("message_stop", body, StringComparison.Ordinal);
            Assert.DoesNotContain("response.completed", body, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        }

        var row = await lab.Server.UsageForAsync(id);
        Assert.Equal(Usage.UsageOutcome.ToolCallRefused, row.Outcome);
        Assert.Contains(lab.Server.Logs.Lines, line => line.Contains("[2019]", StringComparison.Ordinal) && line.Contains(id, StringComparison.Ordinal) && line.Contains(reason, StringComparison.Ordinal));
        Assert.DoesNotContain(lab.Server.Logs.Lines, line => line.Contains("sim-injected", StringComparison.Ordinal));
    }

    private static async Task<RoutingLab> StartAsync(string provider, string faults)
    {
        var lab = await RoutingLab.StartAsync();
        string root = provider == "simulator-gemini" ? "v1beta/" : "v1/";
        var url = faults.Length == 0 ? new Uri(lab.Simulator.RootUrl, root) : new Uri(lab.Simulator.RootUrl, $"_fault/{faults}/{root}");
        var result = lab.Server.App.Data.ChannelRegistrar.Add(new ChannelSpec("upstream", provider, url.ToString(), ["sim-small"], 0, null, AllowPrivateNetwork: true));
        Assert.Null(result.Problem);
        lab.Server.Reload();
        return lab;
    }

    private static HttpRequestMessage Build(RoutingLab lab, string client, bool stream, bool withTools, string prompt)
    {
        const string schema = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";
        string text = JsonSerializer.Serialize(prompt, TestJsonContext.Default.String);
        string streamMember = stream ? ",\"stream\":true" : "";
        HttpRequestMessage request;
        switch (client)
        {
            case "responses":
                request = Post("v1/responses", "{\"model\":\"sim-small\",\"input\":" + text + streamMember
                    + (withTools ? ",\"tools\":[{\"type\":\"function\",\"name\":\"" + Tool + "\",\"description\":\"Weather\",\"parameters\":" + schema + "}]" : "") + "}");
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", lab.Server.DemoKey);
                return request;
            case "anthropic":
                request = Post("v1/messages", "{\"model\":\"sim-small\",\"max_tokens\":256,\"messages\":[{\"role\":\"user\",\"content\":" + text + "}]" + streamMember
                    + (withTools ? ",\"tools\":[{\"name\":\"" + Tool + "\",\"description\":\"Weather\",\"input_schema\":" + schema + "}]" : "") + "}");
                request.Headers.Add("x-api-key", lab.Server.DemoKey);
                request.Headers.Add("anthropic-version", "2023-06-01");
                return request;
            case "gemini":
                request = Post("v1beta/models/sim-small:" + (stream ? "streamGenerateContent?alt=sse" : "generateContent"),
                    "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":" + text + "}]}]"
                    + (withTools ? ",\"tools\":[{\"functionDeclarations\":[{\"name\":\"" + Tool + "\",\"description\":\"Weather\",\"parametersJsonSchema\":" + schema + "}]}]" : "") + "}");
                request.Headers.Add("x-goog-api-key", lab.Server.DemoKey);
                return request;
            default:
                request = Post("v1/chat/completions", "{\"model\":\"sim-small\",\"messages\":[{\"role\":\"user\",\"content\":" + text + "}]" + streamMember
                    + (withTools ? ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"" + Tool + "\",\"description\":\"Weather\",\"parameters\":" + schema + "}}]" : "") + "}");
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", lab.Server.DemoKey);
                return request;
        }
    }

    private static HttpRequestMessage Post(string path, string body) =>
        new(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
}
