using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Warden.Core.Dialects.OpenAIChat;
using Warden.Core.Providers;
using Warden.Core.Providers.OpenAI;

namespace Warden.Core.Tests.Providers.OpenAI;

public class StreamUsageRequestTests
{
    private static ChatRequestInfo Inspect(byte[] body)
    {
        Assert.True(ChatRequestInspector.TryInspect(body, out var info, out var error), error?.Message);
        Assert.NotNull(info);
        return info;
    }

    /// <summary>
    /// Cuts the root-level <c>stream_options</c> member, with the comma that separates it from its neighbour,
    /// out of <paramref name="json"/>; fails when there is no such member.
    /// </summary>
    private static byte[] RemoveRootMember(byte[] json, string name)
    {
        var reader = new Utf8JsonReader(json);
        Assert.True(reader.Read());
        Assert.Equal(JsonTokenType.StartObject, reader.TokenType);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals(name))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            int start = checked((int)reader.TokenStartIndex);
            reader.Read();
            reader.Skip();
            int end = checked((int)reader.BytesConsumed);

            int after = end;
            while (after < json.Length && IsJsonWhitespace(json[after]))
            {
                after++;
            }

            if (json[after] == (byte)',')
            {
                return [.. json.AsSpan(0, start), .. json.AsSpan(after + 1)];
            }

            int before = start - 1;
            while (IsJsonWhitespace(json[before]))
            {
                before--;
            }

            Assert.Equal((byte)',', json[before]);
            return [.. json.AsSpan(0, before), .. json.AsSpan(end)];
        }

        Assert.Fail($"No root-level '{name}' member.");
        return [];
    }

    private static bool IsJsonWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    [Theory]
    [InlineData(false, null, ProviderQuirks.None, false)]
    [InlineData(false, true, ProviderQuirks.None, false)]
    [InlineData(false, false, ProviderQuirks.None, false)]
    [InlineData(true, null, ProviderQuirks.None, true)]
    [InlineData(true, false, ProviderQuirks.None, true)]
    [InlineData(true, true, ProviderQuirks.None, false)]
    [InlineData(true, null, ProviderQuirks.NoStreamUsageOption, false)]
    [InlineData(true, false, ProviderQuirks.NoStreamUsageOption, false)]
    [InlineData(true, true, ProviderQuirks.NoStreamUsageOption, false)]
    [InlineData(false, null, ProviderQuirks.NoStreamUsageOption, false)]
    [InlineData(true, null, ProviderQuirks.LocalNetwork, true)]
    [InlineData(true, false, ProviderQuirks.LocalNetwork | ProviderQuirks.NoStreamUsageOption, false)]
    public void IsNeeded_StreamIncludeUsageAndQuirks_MatchesTruthTable(bool stream, bool? includeUsage, ProviderQuirks quirks, bool expected)
    {
        var info = new ChatRequestInfo("m", stream, includeUsage, includeUsage is not null, null);
        var profile = ProviderProfiles.OpenAI with { Quirks = quirks };

        Assert.Equal(expected, StreamUsageRequest.IsNeeded(info, profile));
    }

    [Theory]
    [InlineData("""{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("{\r\n  \"model\" : \"gpt-4o\" ,\n\t\"stream\":true,\n  \"messages\": [ {\"role\":\"user\",\"content\":\"h\\u00e9llo <b>{}</b> \u00e9 \\\"q\\\"\"} ],\n  \"temperature\": 1.0,\n  \"seed\": 12345678901234567890\n}\n")]
    [InlineData("  \n {\"messages\":[{\"role\":\"user\",\"content\":\"{\\\"stream_options\\\":1}\"}],\"metadata\":{\"stream_options\":{\"include_usage\":false}},\"model\":\"m\",\"stream\":true}")]
    public void Apply_NoStreamOptions_AddsIncludeUsageAndKeepsEveryOriginalByte(string json)
    {
        byte[] body = Encoding.UTF8.GetBytes(json);
        var info = Inspect(body);
        Assert.False(info.HasStreamOptions);

        byte[] result = StreamUsageRequest.Apply(body, info);

        var root = JsonNode.Parse(result)!.AsObject();
        Assert.True(root["stream_options"]!["include_usage"]!.GetValue<bool>());
        Assert.Equal(body, RemoveRootMember(result, "stream_options"));

        var after = Inspect(result);
        Assert.Equal(info.Model, after.Model);
        Assert.True(after.HasStreamOptions);
        Assert.True(after.IncludeUsage);
    }

    [Theory]
    [InlineData("""{"model":"m","stream":true,"stream_options":{"include_usage":false},"messages":[{"role":"user","content":"h\u00e9llo <b>&'+</b> \"q\""}],"temperature":1.0}""")]
    [InlineData("""{"stream_options":{"include_obfuscation":false,"include_usage":false},"model":"m","stream":true,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"string"}}}}}]}""")]
    [InlineData("""{"model":"m","stream":true,"stream_options":{}}""")]
    public void Apply_StreamOptionsObject_SetsIncludeUsageTrueAndKeepsOtherMembers(string json)
    {
        byte[] body = Encoding.UTF8.GetBytes(json);
        var info = Inspect(body);
        Assert.True(info.HasStreamOptions);

        byte[] result = StreamUsageRequest.Apply(body, info);

        var expected = JsonNode.Parse(body)!;
        expected["stream_options"]!["include_usage"] = true;
        var actual = JsonNode.Parse(result);
        Assert.True(JsonNode.DeepEquals(expected, actual), Encoding.UTF8.GetString(result));
    }

    [Theory]
    [InlineData("""{"model":"m","stream":true,"stream_options":null,"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"model":"m","stream":true,"stream_options":"yes"}""")]
    [InlineData("""{"model":"m","stream":true,"stream_options":[{"include_usage":false}]}""")]
    public void Apply_StreamOptionsNotObject_ReplacesWithIncludeUsageTrue(string json)
    {
        byte[] body = Encoding.UTF8.GetBytes(json);
        var info = Inspect(body);
        Assert.True(info.HasStreamOptions);

        byte[] result = StreamUsageRequest.Apply(body, info);

        var expected = JsonNode.Parse(body)!;
        expected["stream_options"] = new JsonObject { ["include_usage"] = true };
        var actual = JsonNode.Parse(result);
        Assert.True(JsonNode.DeepEquals(expected, actual), Encoding.UTF8.GetString(result));
    }

    [Fact]
    public void Apply_StreamOptionsFalseInDeeplyNestedBody_RewritesBodyTheInspectorAccepted()
    {
        // The inspector accepts nesting up to 256 levels (large tool schemas); the rewrite must accept what it accepted.
        const int Depth = 100;
        var json = new StringBuilder("""{"model":"m","stream":true,"stream_options":{"include_usage":false},"response_format":""");
        json.Append(string.Concat(Enumerable.Repeat("""{"a":""", Depth))).Append('1').Append('}', Depth).Append('}');
        byte[] body = Encoding.UTF8.GetBytes(json.ToString());
        var info = Inspect(body);

        byte[] result = StreamUsageRequest.Apply(body, info);

        var after = Inspect(result);
        Assert.True(after.IncludeUsage);
    }

    [Fact]
    public void Apply_StreamOptionsFalseWithDuplicateMember_RewritesBodyTheInspectorAccepted()
    {
        byte[] body = Encoding.UTF8.GetBytes("""{"model":"m","temperature":1,"temperature":0.5,"stream":true,"stream_options":{"include_usage":false}}""");
        var info = Inspect(body);

        byte[] result = StreamUsageRequest.Apply(body, info);

        var after = Inspect(result);
        Assert.True(after.IncludeUsage);
    }
}

public sealed class StreamUsageRequestPreservationTests
{
    [Fact]
    public void Apply_StreamOptionsWithOtherMembers_KeepsThemAndEveryByteOutside()
    {
        const string Before = """{"model":"m", "stream":true,"stream_options": {"continuous_usage_stats" :true,"include_usage":false,"x\u0041":[1, 2]} ,"n":1}""";
        byte[] body = System.Text.Encoding.UTF8.GetBytes(Before);
        Assert.True(Warden.Core.Dialects.OpenAIChat.ChatRequestInspector.TryInspect(body, out var info, out _));

        string after = System.Text.Encoding.UTF8.GetString(StreamUsageRequest.Apply(body, info!));

        Assert.Equal("""{"model":"m", "stream":true,"stream_options": {"continuous_usage_stats":true,"xA":[1, 2],"include_usage":true} ,"n":1}""", after);
    }
}
