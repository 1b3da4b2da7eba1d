using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Warden.Core.Canonical;
using Warden.Server.Routing;

namespace Warden.Server.Tests.Routing;

/// <summary>Uses the recorded bodies of real coding clients, because what matters is whether their turn N still matches their turn 1.</summary>
public sealed class AffinityKeyTests
{
    private const string ClientKey = "ck_0001";
    private const string Model = "some-model";

    public static TheoryData<string, string, WireDialectName> Conversations => new()
    {
        { "claude-code.tool.01.json", "claude-code.tool.02.json", WireDialectName.Anthropic },
        { "claude-code.thinking-tool.01.json", "claude-code.thinking-tool.02.json", WireDialectName.Anthropic },
        { "codex.tool.00.json", "codex.tool.01.json", WireDialectName.Responses },
        { "codex.reasoning-tool.00.json", "codex.reasoning-tool.01.json", WireDialectName.Responses },
        { "gemini-cli.tool.01.json", "gemini-cli.tool.02.json", WireDialectName.Gemini },
        { "qwen-code.tool.00.json", "qwen-code.tool.01.json", WireDialectName.OpenAIChat },
    };

    public static TheoryData<string, WireDialectName> FirstTurns => new()
    {
        { "claude-code.tool.01.json", WireDialectName.Anthropic },
        { "codex.tool.00.json", WireDialectName.Responses },
        { "gemini-cli.tool.01.json", WireDialectName.Gemini },
        { "qwen-code.tool.00.json", WireDialectName.OpenAIChat },
    };

    [Theory]
    [MemberData(nameof(Conversations))]
    public void From_BodyOnly_LaterTurnWithMoreMessages_SameKeyAsFirstTurn(string firstTurn, string laterTurn, WireDialectName dialect)
    {
        var early = BodyWithoutExplicitKeys(firstTurn);
        var late = BodyWithoutExplicitKeys(laterTurn);
        Assert.True(MessageCount(late) > MessageCount(early), "the later capture must carry more history");

        string? earlyKey = AffinityKey.From(new HeaderDictionary(), Bytes(early), dialect, ClientKey, Model);
        string? lateKey = AffinityKey.From(new HeaderDictionary(), Bytes(late), dialect, ClientKey, Model);

        Assert.NotNull(earlyKey);
        Assert.Equal(earlyKey, lateKey);
    }

    [Fact]
    public void From_ClaudeCodeMovesCacheControlOffFirstMessage_StillSameKey()
    {
        // Regression guard: turn 1 has cache_control on messages[0]'s last block, turn 2 does not.
        var early = BodyWithoutExplicitKeys("claude-code.tool.01.json");
        var late = BodyWithoutExplicitKeys("claude-code.tool.02.json");
        Assert.NotEqual(early["messages"]![0]!.ToJsonString(), late["messages"]![0]!.ToJsonString());

        Assert.Equal(
            AffinityKey.From(new HeaderDictionary(), Bytes(early), WireDialectName.Anthropic, ClientKey, Model),
            AffinityKey.From(new HeaderDictionary(), Bytes(late), WireDialectName.Anthropic, ClientKey, Model));
    }

    [Theory]
    [MemberData(nameof(FirstTurns))]
    public void From_DifferentFirstUserMessage_DifferentKey(string capture, WireDialectName dialect)
    {
        var original = BodyWithoutExplicitKeys(capture);
        var other = BodyWithoutExplicitKeys(capture);
        ReplaceFirstUserMessage(other, dialect, "an entirely different first question");

        string? originalKey = AffinityKey.From(new HeaderDictionary(), Bytes(original), dialect, ClientKey, Model);
        string? otherKey = AffinityKey.From(new HeaderDictionary(), Bytes(other), dialect, ClientKey, Model);

        Assert.NotNull(originalKey);
        Assert.NotNull(otherKey);
        Assert.NotEqual(originalKey, otherKey);
    }

    [Theory]
    [MemberData(nameof(FirstTurns))]
    public void From_ReformattedBody_SameKey(string capture, WireDialectName dialect)
    {
        var body = BodyWithoutExplicitKeys(capture);
        byte[] compact = Bytes(body);
        byte[] indented = Encoding.UTF8.GetBytes(body.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        Assert.Equal(
            AffinityKey.From(new HeaderDictionary(), compact, dialect, ClientKey, Model),
            AffinityKey.From(new HeaderDictionary(), indented, dialect, ClientKey, Model));
    }

    [Theory]
    [InlineData("x-claude-code-session-id")]
    [InlineData("session_id")]
    [InlineData("session-id")]
    [InlineData("x-session-affinity")]
    public void From_SessionHeader_WinsOverBody(string header)
    {
        var headers = new HeaderDictionary { [header] = "0f4f6a52-9d61-4c1e-8f0e-2a8b8f0c0d11" };
        byte[] first = Bytes(BodyWithoutExplicitKeys("qwen-code.tool.00.json"));
        var changed = BodyWithoutExplicitKeys("qwen-code.tool.00.json");
        ReplaceFirstUserMessage(changed, WireDialectName.OpenAIChat, "something else entirely");

        string? withHeader = AffinityKey.From(headers, first, WireDialectName.OpenAIChat, ClientKey, Model);
        string? withHeaderOtherBody = AffinityKey.From(headers, Bytes(changed), WireDialectName.OpenAIChat, ClientKey, Model);
        string? bodyOnly = AffinityKey.From(new HeaderDictionary(), first, WireDialectName.OpenAIChat, ClientKey, Model);

        Assert.NotNull(withHeader);
        Assert.Equal(withHeader, withHeaderOtherBody);
        Assert.NotEqual(bodyOnly, withHeader);
    }

    [Fact]
    public void From_SessionHeaderEvenWithInvalidBody_UsesHeader()
    {
        var headers = new HeaderDictionary { ["x-session-affinity"] = "pinned" };

        Assert.NotNull(AffinityKey.From(headers, "not json"u8, WireDialectName.Anthropic, ClientKey, Model));
    }

    [Fact]
    public void From_DifferentSessionHeaderValues_DifferentKeys()
    {
        byte[] body = Bytes(BodyWithoutExplicitKeys("claude-code.tool.01.json"));

        Assert.NotEqual(
            AffinityKey.From(new HeaderDictionary { ["x-claude-code-session-id"] = "session-1" }, body, WireDialectName.Anthropic, ClientKey, Model),
            AffinityKey.From(new HeaderDictionary { ["x-claude-code-session-id"] = "session-2" }, body, WireDialectName.Anthropic, ClientKey, Model));
    }

    [Fact]
    public void From_CodexWithOrWithoutSessionHeaders_SameKeyThroughPromptCacheKey()
    {
        var (headers, body) = Capture("codex.tool.00.json");
        var (_, laterBody) = Capture("codex.tool.01.json");

        string? viaHeader = AffinityKey.From(headers, Bytes(body), WireDialectName.Responses, ClientKey, Model);
        string? viaPromptCacheKey = AffinityKey.From(new HeaderDictionary(), Bytes(body), WireDialectName.Responses, ClientKey, Model);
        string? laterViaPromptCacheKey = AffinityKey.From(new HeaderDictionary(), Bytes(laterBody), WireDialectName.Responses, ClientKey, Model);
        string? bodyPrefixOnly = AffinityKey.From(new HeaderDictionary(), Bytes(BodyWithoutExplicitKeys("codex.tool.00.json")), WireDialectName.Responses, ClientKey, Model);

        Assert.NotNull(viaHeader);
        Assert.Equal(viaHeader, viaPromptCacheKey);
        Assert.Equal(viaHeader, laterViaPromptCacheKey);
        Assert.NotEqual(viaHeader, bodyPrefixOnly);
    }

    [Fact]
    public void From_ResponsesWithStringInput_UsesInstructionsAndInput()
    {
        byte[] one = """{"model":"m","instructions":"be brief","input":"what is rendezvous hashing?"}"""u8.ToArray();
        byte[] two = """{"model":"m","instructions":"be brief","input":"what is consistent hashing?"}"""u8.ToArray();
        byte[] otherInstructions = """{"model":"m","instructions":"be verbose","input":"what is rendezvous hashing?"}"""u8.ToArray();

        string? keyOne = AffinityKey.From(new HeaderDictionary(), one, WireDialectName.Responses, ClientKey, Model);

        Assert.NotNull(keyOne);
        Assert.NotEqual(keyOne, AffinityKey.From(new HeaderDictionary(), two, WireDialectName.Responses, ClientKey, Model));
        Assert.NotEqual(keyOne, AffinityKey.From(new HeaderDictionary(), otherInstructions, WireDialectName.Responses, ClientKey, Model));
    }

    [Fact]
    public void From_OpenAIChatSystemPromptChanges_DifferentKey()
    {
        byte[] one = """{"model":"m","messages":[{"role":"system","content":"A"},{"role":"user","content":"hi"}]}"""u8.ToArray();
        byte[] two = """{"model":"m","messages":[{"role":"developer","content":"B"},{"role":"user","content":"hi"}]}"""u8.ToArray();
        byte[] roleLast = """{"model":"m","messages":[{"content":"A","role":"system"},{"content":"hi","role":"user"},{"role":"assistant","content":"hello"}]}"""u8.ToArray();

        string? keyOne = AffinityKey.From(new HeaderDictionary(), one, WireDialectName.OpenAIChat, ClientKey, Model);

        Assert.NotNull(keyOne);
        Assert.NotEqual(keyOne, AffinityKey.From(new HeaderDictionary(), two, WireDialectName.OpenAIChat, ClientKey, Model));
        Assert.NotNull(AffinityKey.From(new HeaderDictionary(), roleLast, WireDialectName.OpenAIChat, ClientKey, Model));
    }

    [Fact]
    public void From_DifferentClientKey_DifferentAffinityKey()
    {
        byte[] body = Bytes(BodyWithoutExplicitKeys("claude-code.tool.01.json"));
        var headers = new HeaderDictionary { ["x-claude-code-session-id"] = "shared-session" };

        Assert.NotEqual(
            AffinityKey.From(new HeaderDictionary(), body, WireDialectName.Anthropic, "ck_a", Model),
            AffinityKey.From(new HeaderDictionary(), body, WireDialectName.Anthropic, "ck_b", Model));
        Assert.NotEqual(
            AffinityKey.From(headers, body, WireDialectName.Anthropic, "ck_a", Model),
            AffinityKey.From(headers, body, WireDialectName.Anthropic, "ck_b", Model));
    }

    [Fact]
    public void From_DifferentModel_DifferentAffinityKey()
    {
        byte[] body = Bytes(BodyWithoutExplicitKeys("gemini-cli.tool.01.json"));

        Assert.NotEqual(
            AffinityKey.From(new HeaderDictionary(), body, WireDialectName.Gemini, ClientKey, "gemini-a"),
            AffinityKey.From(new HeaderDictionary(), body, WireDialectName.Gemini, ClientKey, "gemini-b"));
    }

    [Fact]
    public void From_Output_Is64LowercaseHexWithoutTheContent()
    {
        const string Secret = "my-very-private-question";
        byte[] body = Encoding.UTF8.GetBytes($$"""{"messages":[{"role":"user","content":"{{Secret}}"}]}""");
        const string Session = "abcdef";

        string? fromBody = AffinityKey.From(new HeaderDictionary(), body, WireDialectName.OpenAIChat, ClientKey, Model);
        string? fromSession = AffinityKey.From(new HeaderDictionary { ["x-session-affinity"] = Session }, body, WireDialectName.OpenAIChat, ClientKey, Model);

        foreach (string? key in new[] { fromBody, fromSession })
        {
            Assert.NotNull(key);
            Assert.Matches("^[0-9a-f]{64}$", key);
            Assert.DoesNotContain(Secret, key, StringComparison.Ordinal);
            Assert.DoesNotContain(Session, key, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}", WireDialectName.OpenAIChat)]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} trailing", WireDialectName.OpenAIChat)]
    [InlineData("not json at all", WireDialectName.Anthropic)]
    [InlineData("", WireDialectName.Gemini)]
    [InlineData("[{\"role\":\"user\"}]", WireDialectName.OpenAIChat)]
    [InlineData("{\"model\":\"m\",\"messages\":[]}", WireDialectName.Anthropic)]
    [InlineData("{\"model\":\"m\",\"system\":\"only a system prompt\"}", WireDialectName.Anthropic)]
    [InlineData("{\"messages\":[{\"role\":\"assistant\",\"content\":\"no user turn\"}]}", WireDialectName.OpenAIChat)]
    [InlineData("{\"contents\":\"not an array\"}", WireDialectName.Gemini)]
    public void From_InvalidOrNothingStable_Null(string body, WireDialectName dialect)
    {
        Assert.Null(AffinityKey.From(new HeaderDictionary(), Encoding.UTF8.GetBytes(body), dialect, ClientKey, Model));
    }

    private static (HeaderDictionary Headers, JsonObject Body) Capture(string file)
    {
        var recorded = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ClientCaptures", file)))!;
        var headers = new HeaderDictionary();
        foreach (var (name, value) in recorded["headers"]!.AsObject())
        {
            headers[name] = value!.GetValue<string>();
        }

        return (headers, recorded["body"]!.AsObject());
    }

    /// <summary>The body with no explicit conversation key, so the body-prefix path is what is tested.</summary>
    private static JsonObject BodyWithoutExplicitKeys(string file)
    {
        var body = Capture(file).Body;
        body.Remove("prompt_cache_key");
        return body;
    }

    private static int MessageCount(JsonObject body) =>
        (body["messages"] ?? body["input"] ?? body["contents"])!.AsArray().Count;

    private static byte[] Bytes(JsonObject body) => Encoding.UTF8.GetBytes(body.ToJsonString());

    private static void ReplaceFirstUserMessage(JsonObject body, WireDialectName dialect, string text)
    {
        switch (dialect)
        {
            case WireDialectName.Anthropic:
                body["messages"]![0] = new JsonObject { ["role"] = "user", ["content"] = text };
                break;
            case WireDialectName.Gemini:
                body["contents"]![0] = new JsonObject { ["role"] = "user", ["parts"] = new JsonArray(new JsonObject { ["text"] = text }) };
                break;
            case WireDialectName.Responses:
                ReplaceFirstWithRole(body["input"]!.AsArray(), new JsonObject
                {
                    ["type"] = "message",
                    ["role"] = "user",
                    ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = text }),
                });
                break;
            case WireDialectName.OpenAIChat:
                ReplaceFirstWithRole(body["messages"]!.AsArray(), new JsonObject { ["role"] = "user", ["content"] = text });
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dialect));
        }
    }

    private static void ReplaceFirstWithRole(JsonArray messages, JsonObject replacement)
    {
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i]?["role"]?.GetValue<string>() == "user")
            {
                messages[i] = replacement;
                return;
            }
        }

        throw new InvalidOperationException("The capture has no user message.");
    }
}
