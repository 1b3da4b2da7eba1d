using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Policy;

namespace Warden.Core.Tests.Policy;

/// <summary>
/// The declared request changes, per dialect: each rule changes exactly what it names, names each change once, and
/// leaves every other byte of the body as the client sent it.
/// </summary>
public sealed class RequestPolicyApplierTests
{
    private static readonly Dictionary<string, string> NoOverrides = [];

    private static RequestPolicy Prefix(string prefix) => new(prefix, null, NoOverrides);

    private static RequestPolicy Cap(long cap) => new(null, cap, NoOverrides);

    private static RequestPolicy Overrides(params (string Field, string Json)[] overrides) =>
        new(null, null, overrides.ToDictionary(o => o.Field, o => o.Json, StringComparer.Ordinal));

    private static (string Body, IReadOnlyList<string> Changes) Apply(string body, WireDialectName dialect, RequestPolicy policy)
    {
        var result = RequestPolicyApplier.Apply(Encoding.UTF8.GetBytes(body), dialect, policy);
        Assert.NotNull(result);
        string text = Encoding.UTF8.GetString(result.Body);
        using (JsonDocument.Parse(text))
        {
            // The result is always valid JSON.
        }

        return (text, result.Changes);
    }

    private static PolicyApplication? Try(string body, WireDialectName dialect, RequestPolicy policy) =>
        RequestPolicyApplier.Apply(Encoding.UTF8.GetBytes(body), dialect, policy);

    // ---- nothing to do ----

    [Theory]
    [InlineData(WireDialectName.OpenAIChat, """{"model":"m","messages":[],"max_tokens":50}""")]
    [InlineData(WireDialectName.OpenAIChat, """{"model":"m","max_tokens":null,"max_completion_tokens":100}""")]
    [InlineData(WireDialectName.Anthropic, """{"model":"m","max_tokens":100}""")]
    [InlineData(WireDialectName.Responses, """{"model":"m","max_output_tokens":1}""")]
    [InlineData(WireDialectName.Gemini, """{"generationConfig":{"maxOutputTokens":100,"temperature":0.5}}""")]
    public void Apply_RequestAlreadyWithinTheCap_ReturnsNull(WireDialectName dialect, string body) =>
        Assert.Null(Try(body, dialect, Cap(100)));

    [Fact]
    public void Apply_EmptyPolicy_ReturnsNull() =>
        Assert.Null(Try("""{"model":"m"}""", WireDialectName.OpenAIChat, new RequestPolicy(null, null, NoOverrides)));

    [Fact]
    public void Apply_OverrideEqualToTheRequestsOwnValue_ReturnsNull() =>
        Assert.Null(Try("""{"model":"m","temperature":0.20,"metadata":{"a":[1,2]}}""", WireDialectName.OpenAIChat,
            Overrides(("temperature", "0.2"), ("metadata", """{ "a" : [1, 2] }"""))));

    // ---- invalid input ----

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"model":"m",}""")]
    [InlineData("""{"model":"m"} {"x":1}""")]
    [InlineData("{\"model\":\"m\" // comment\n}")]
    [InlineData("""{"model":"m","messages":[}""")]
    public void Apply_BodyThatIsNotOneJsonObject_ThrowsFormatException(string body)
    {
        Assert.Throws<FormatException>(() => Try(body, WireDialectName.OpenAIChat, Cap(10)));
        Assert.Throws<FormatException>(() => Try(body, WireDialectName.OpenAIChat, new RequestPolicy(null, null, NoOverrides)));
    }

    [Theory]
    [InlineData(WireDialectName.OpenAIChat, """{"messages":"hello"}""")]
    [InlineData(WireDialectName.Anthropic, """{"system":42}""")]
    [InlineData(WireDialectName.Responses, """{"instructions":["a"]}""")]
    [InlineData(WireDialectName.Gemini, """{"systemInstruction":"text"}""")]
    [InlineData(WireDialectName.Gemini, """{"systemInstruction":{"parts":"text"}}""")]
    public void Apply_SystemFieldOfAShapeTheDialectDoesNotAllow_ThrowsFormatException(WireDialectName dialect, string body) =>
        Assert.Throws<FormatException>(() => Try(body, dialect, Prefix("P")));

    [Fact]
    public void Apply_GeminiGenerationConfigThatIsNotAnObject_ThrowsFormatException() =>
        Assert.Throws<FormatException>(() => Try("""{"generationConfig":[1]}""", WireDialectName.Gemini, Cap(5)));

    [Fact]
    public void Apply_OverrideThatIsNotJson_ThrowsFormatException() =>
        Assert.Throws<FormatException>(() => Try("""{"model":"m"}""", WireDialectName.OpenAIChat, Overrides(("temperature", "nope"))));

    // ---- system prefix ----

    [Fact]
    public void Apply_ChatSystemPrefix_InsertsASystemMessageFirst_AndKeepsEveryOtherByte()
    {
        string body = "{ \"model\" : \"gpt\",\n  \"messages\": [ {\"role\":\"user\",\"content\":\"caf\\u00e9 \\\"q\\\"\"} ],\"x\":1.50e1 }";
        var (result, changes) = Apply(body, WireDialectName.OpenAIChat, Prefix("Be brief.\n\"Always\" é"));
        Assert.Equal(
            "{ \"model\" : \"gpt\",\n  \"messages\": [{\"role\":\"system\",\"content\":\"Be brief.\\n\\\"Always\\\" é\"}, {\"role\":\"user\",\"content\":\"caf\\u00e9 \\\"q\\\"\"} ],\"x\":1.50e1 }",
            result);
        Assert.Equal(["policy:system_prefix"], changes);
    }

    [Fact]
    public void Apply_ChatSystemPrefix_OnEmptyMessagesOrNone()
    {
        Assert.Equal("""{"messages":[{"role":"system","content":"P"}]}""", Apply("""{"messages":[]}""", WireDialectName.OpenAIChat, Prefix("P")).Body);
        Assert.Equal("""{"model":"m","messages":[{"role":"system","content":"P"}]}""", Apply("""{"model":"m"}""", WireDialectName.OpenAIChat, Prefix("P")).Body);
    }

    [Theory]
    [InlineData("""{"model":"c","system":"Own rules."}""", """{"model":"c","system":"P\n\nOwn rules."}""")]
    [InlineData("""{"model":"c","system":""}""", """{"model":"c","system":"P"}""")]
    [InlineData("""{"model":"c","system":null}""", """{"model":"c","system":"P"}""")]
    [InlineData("""{"model":"c"}""", """{"model":"c","system":"P"}""")]
    [InlineData("""{}""", """{"system":"P"}""")]
    [InlineData(
        """{"system":[{"type":"text","text":"Own","cache_control":{"type":"ephemeral"}}],"max_tokens":9}""",
        """{"system":[{"type":"text","text":"P"},{"type":"text","text":"Own","cache_control":{"type":"ephemeral"}}],"max_tokens":9}""")]
    [InlineData("""{"system":[]}""", """{"system":[{"type":"text","text":"P"}]}""")]
    public void Apply_AnthropicSystemPrefix(string body, string expected)
    {
        var (result, changes) = Apply(body, WireDialectName.Anthropic, Prefix("P"));
        Assert.Equal(expected, result);
        Assert.Equal(["policy:system_prefix"], changes);
    }

    [Theory]
    [InlineData("""{"model":"r","instructions":"Mine","input":"hi"}""", """{"model":"r","instructions":"P\n\nMine","input":"hi"}""")]
    [InlineData("""{"model":"r","input":"hi"}""", """{"model":"r","input":"hi","instructions":"P"}""")]
    [InlineData("""{"model":"r","instructions":null}""", """{"model":"r","instructions":"P"}""")]
    public void Apply_ResponsesSystemPrefix_GoesIntoInstructions(string body, string expected) =>
        Assert.Equal(expected, Apply(body, WireDialectName.Responses, Prefix("P")).Body);

    [Theory]
    [InlineData("""{"contents":[]}""", """{"contents":[],"systemInstruction":{"parts":[{"text":"P"}]}}""")]
    [InlineData("""{"systemInstruction":{"parts":[{"text":"Own"}]},"contents":[]}""", """{"systemInstruction":{"parts":[{"text":"P"},{"text":"Own"}]},"contents":[]}""")]
    [InlineData("""{"system_instruction":{"role":"user"}}""", """{"system_instruction":{"role":"user","parts":[{"text":"P"}]}}""")]
    [InlineData("""{"systemInstruction":{}}""", """{"systemInstruction":{"parts":[{"text":"P"}]}}""")]
    [InlineData("""{"systemInstruction":null}""", """{"systemInstruction":{"parts":[{"text":"P"}]}}""")]
    [InlineData("""{"systemInstruction":{"parts":[]}}""", """{"systemInstruction":{"parts":[{"text":"P"}]}}""")]
    public void Apply_GeminiSystemPrefix_GoesFirstInSystemInstructionParts(string body, string expected) =>
        Assert.Equal(expected, Apply(body, WireDialectName.Gemini, Prefix("P")).Body);

    // ---- output cap ----

    [Theory]
    [InlineData("""{"model":"m","max_tokens":5000}""", """{"model":"m","max_tokens":100}""")]
    [InlineData("""{"model":"m","max_completion_tokens":5000}""", """{"model":"m","max_completion_tokens":100}""")]
    [InlineData("""{"model":"m","max_tokens":50,"max_completion_tokens":5000}""", """{"model":"m","max_tokens":50,"max_completion_tokens":100}""")]
    [InlineData("""{"model":"m"}""", """{"model":"m","max_tokens":100}""")]
    [InlineData("""{"model":"m","max_tokens":null}""", """{"model":"m","max_tokens":100}""")]
    [InlineData("""{"model":"m","max_tokens":"5000"}""", """{"model":"m","max_tokens":100}""")]
    [InlineData("""{"model":"m","max_tokens":100.5}""", """{"model":"m","max_tokens":100}""")]
    [InlineData("""{"model":"m","max_tokens":1e400}""", """{"model":"m","max_tokens":100}""")]
    [InlineData("""{"model":"m","max_tokens":99999999999999999999999}""", """{"model":"m","max_tokens":100}""")]
    public void Apply_ChatCap(string body, string expected)
    {
        var (result, changes) = Apply(body, WireDialectName.OpenAIChat, Cap(100));
        Assert.Equal(expected, result);
        Assert.Equal(["policy:max_output_tokens=100"], changes);
    }

    [Theory]
    [InlineData(WireDialectName.Anthropic, """{"max_tokens":64000,"stream":true}""", """{"max_tokens":100,"stream":true}""")]
    [InlineData(WireDialectName.Anthropic, """{"stream":true}""", """{"stream":true,"max_tokens":100}""")]
    [InlineData(WireDialectName.Responses, """{"max_output_tokens":101}""", """{"max_output_tokens":100}""")]
    [InlineData(WireDialectName.Responses, """{"input":"x"}""", """{"input":"x","max_output_tokens":100}""")]
    [InlineData(WireDialectName.Gemini, """{"contents":[]}""", """{"contents":[],"generationConfig":{"maxOutputTokens":100}}""")]
    [InlineData(WireDialectName.Gemini, """{"generationConfig":{"temperature":1}}""", """{"generationConfig":{"temperature":1,"maxOutputTokens":100}}""")]
    [InlineData(WireDialectName.Gemini, """{"generationConfig":{}}""", """{"generationConfig":{"maxOutputTokens":100}}""")]
    [InlineData(WireDialectName.Gemini, """{"generationConfig":{"maxOutputTokens":8192}}""", """{"generationConfig":{"maxOutputTokens":100}}""")]
    [InlineData(WireDialectName.Gemini, """{"generation_config":{"max_output_tokens":8192}}""", """{"generation_config":{"max_output_tokens":100}}""")]
    [InlineData(WireDialectName.Gemini, """{"generationConfig":null}""", """{"generationConfig":{"maxOutputTokens":100}}""")]
    public void Apply_CapPerDialect(WireDialectName dialect, string body, string expected)
    {
        var (result, changes) = Apply(body, dialect, Cap(100));
        Assert.Equal(expected, result);
        Assert.Equal(["policy:max_output_tokens=100"], changes);
    }

    // ---- overrides ----

    [Fact]
    public void Apply_Overrides_SetAndReplaceTopLevelFields_OneChangeEach()
    {
        var (result, changes) = Apply("""{"model":"m", "temperature":1.5}""", WireDialectName.OpenAIChat,
            Overrides(("temperature", "0.2"), ("seed", "7"), ("metadata", """{"team": "a"}""")));
        Assert.Equal("""{"model":"m", "temperature":0.2,"metadata":{"team":"a"},"seed":7}""", result);
        Assert.Equal(["policy:override:metadata", "policy:override:seed", "policy:override:temperature"], changes);
    }

    [Fact]
    public void Apply_SeveralNewFieldsIntoAnEmptyObject_StaysValidJson()
    {
        var (result, _) = Apply("{}", WireDialectName.OpenAIChat, Overrides(("a", "1"), ("b", "[true]")));
        Assert.Equal("""{"a":1,"b":[true]}""", result);
    }

    [Fact]
    public void Apply_OverrideCannotLiftTheCap_AndEveryRuleIsNamedInOrder()
    {
        var policy = new RequestPolicy("P", 100, new Dictionary<string, string> { ["max_tokens"] = "99999", ["top_p"] = "0.5" });
        var (result, changes) = Apply("""{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":10}""", WireDialectName.OpenAIChat, policy);
        Assert.Equal("""{"model":"m","messages":[{"role":"system","content":"P"},{"role":"user","content":"hi"}],"max_tokens":100,"top_p":0.5}""", result);
        Assert.Equal(["policy:override:max_tokens", "policy:override:top_p", "policy:system_prefix", "policy:max_output_tokens=100"], changes);
    }

    [Fact]
    public void Apply_DuplicateMembers_AreAllChanged()
    {
        var (result, _) = Apply("""{"max_tokens":500,"max_tokens":700}""", WireDialectName.Anthropic, Cap(100));
        Assert.Equal("""{"max_tokens":100,"max_tokens":100}""", result);
    }

    [Fact]
    public void Apply_EscapedMemberNames_AreRecognised()
    {
        var (result, _) = Apply("""{"max\u005ftokens":500}""", WireDialectName.Anthropic, Cap(100));
        Assert.Equal("""{"max\u005ftokens":100}""", result);
    }

    // ---- model replacement ----

    [Fact]
    public void ReplaceModel_ChangesOnlyTheModelString()
    {
        string body = "{\"stream\" :true , \"model\":\"my-alias\",\"messages\":[{\"content\":\"\\u00e9\"}] }";
        byte[] result = RequestPolicyApplier.ReplaceModel(Encoding.UTF8.GetBytes(body), "deepseek-chat");
        Assert.Equal("{\"stream\" :true , \"model\":\"deepseek-chat\",\"messages\":[{\"content\":\"\\u00e9\"}] }", Encoding.UTF8.GetString(result));
    }

    [Fact]
    public void ReplaceModel_WithoutAModelMember_ReturnsTheSameBytes()
    {
        byte[] body = Encoding.UTF8.GetBytes("""{"contents":[{"parts":[{"text":"hi"}]}]}""");
        Assert.Equal(body, RequestPolicyApplier.ReplaceModel(body, "gemini-2.5-pro"));
    }

    [Fact]
    public void ReplaceModel_InvalidJson_ThrowsFormatException() =>
        Assert.Throws<FormatException>(() => RequestPolicyApplier.ReplaceModel("{\"model\":"u8, "x"));

    [Fact]
    public void RequestPolicy_IsEmpty_OnlyWhenItDeclaresNothing()
    {
        Assert.True(new RequestPolicy(null, null, NoOverrides).IsEmpty);
        Assert.False(Prefix("x").IsEmpty);
        Assert.False(Cap(1).IsEmpty);
        Assert.False(Overrides(("a", "1")).IsEmpty);
    }
}
