using System.Text;
using Warden.Core.Dialects;
using Warden.Core.Dialects.OpenAIChat;

namespace Warden.Core.Tests.Dialects.OpenAIChat;

public class ChatRequestInspectorTests
{
    private static ChatRequestInfo Inspect(string json)
    {
        bool ok = ChatRequestInspector.TryInspect(Encoding.UTF8.GetBytes(json), out var info, out var error);
        Assert.True(ok, error?.Message);
        Assert.Null(error);
        Assert.NotNull(info);
        return info;
    }

    private static RequestParseError Reject(string json) => Reject(Encoding.UTF8.GetBytes(json));

    private static RequestParseError Reject(byte[] body)
    {
        bool ok = ChatRequestInspector.TryInspect(body, out var info, out var error);
        Assert.False(ok);
        Assert.Null(info);
        Assert.NotNull(error);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        return error;
    }

    [Fact]
    public void TryInspect_MinimalBody_ReadsModelWithDefaults()
    {
        var info = Inspect("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal("gpt-4o", info.Model);
        Assert.False(info.Stream);
        Assert.Null(info.IncludeUsage);
        Assert.False(info.HasStreamOptions);
        Assert.Null(info.MaxOutputTokens);
    }

    [Fact]
    public void TryInspect_ModelAfterOtherMembers_ReadsModel()
    {
        var info = Inspect("""{"messages":[{"role":"user","content":"hi","model":"not-this"}],"temperature":0.2,"model":"deepseek-chat"}""");

        Assert.Equal("deepseek-chat", info.Model);
    }

    [Fact]
    public void TryInspect_ModelWithEscapes_ReturnsUnescapedModel()
    {
        var info = Inspect("""{"model":"org\/model-\u00e9"}""");

        Assert.Equal("org/model-é", info.Model);
    }

    [Theory]
    [InlineData("""{"model":"m","stream":true}""", true)]
    [InlineData("""{"model":"m","stream":false}""", false)]
    [InlineData("""{"stream":true,"model":"m"}""", true)]
    public void TryInspect_StreamMember_ReadsStream(string json, bool expected)
    {
        Assert.Equal(expected, Inspect(json).Stream);
    }

    [Theory]
    [InlineData("""{"model":"m","stream":true,"stream_options":{"include_usage":true}}""", true)]
    [InlineData("""{"model":"m","stream":true,"stream_options":{"include_usage":false}}""", false)]
    [InlineData("""{"model":"m","stream":true,"stream_options":{}}""", null)]
    [InlineData("""{"model":"m","stream":true,"stream_options":{"include_obfuscation":false}}""", null)]
    public void TryInspect_StreamOptionsObject_ReadsIncludeUsageAndPresence(string json, bool? expected)
    {
        var info = Inspect(json);

        Assert.True(info.HasStreamOptions);
        Assert.Equal(expected, info.IncludeUsage);
    }

    [Fact]
    public void TryInspect_StreamOptionsNull_CountsAsPresentWithoutIncludeUsage()
    {
        var info = Inspect("""{"model":"m","stream":true,"stream_options":null}""");

        Assert.True(info.HasStreamOptions);
        Assert.Null(info.IncludeUsage);
        Assert.True(info.Stream);
    }

    [Fact]
    public void TryInspect_IncludeUsageNestedDeeperInStreamOptions_IsIgnored()
    {
        var info = Inspect("""{"model":"m","stream_options":{"extra":{"include_usage":false},"include_usage":true},"stream":true}""");

        Assert.True(info.IncludeUsage);
        Assert.True(info.Stream);
    }

    [Fact]
    public void TryInspect_IncludeUsageOutsideStreamOptions_IsIgnored()
    {
        var info = Inspect("""{"model":"m","stream":true,"include_usage":true,"metadata":{"stream_options":{"include_usage":true}}}""");

        Assert.False(info.HasStreamOptions);
        Assert.Null(info.IncludeUsage);
    }

    [Theory]
    [InlineData("""{"model":"m","max_tokens":100}""", 100L)]
    [InlineData("""{"model":"m","max_completion_tokens":200}""", 200L)]
    [InlineData("""{"model":"m","max_tokens":100,"max_completion_tokens":200}""", 200L)]
    [InlineData("""{"model":"m","max_completion_tokens":200,"max_tokens":100}""", 200L)]
    [InlineData("""{"model":"m","max_tokens":5000000000}""", 5_000_000_000L)]
    [InlineData("""{"model":"m"}""", null)]
    public void TryInspect_MaxTokenMembers_CompletionTokensWinOverMaxTokens(string json, long? expected)
    {
        Assert.Equal(expected, Inspect(json).MaxOutputTokens);
    }

    [Theory]
    [InlineData("""{"messages":[]}""")]
    [InlineData("""{"model":""}""")]
    [InlineData("""{"model":42}""")]
    [InlineData("""{"model":null}""")]
    [InlineData("""{"model":["gpt-4o"]}""")]
    [InlineData("""{"model":{"name":"gpt-4o"}}""")]
    [InlineData("""{"model":true}""")]
    [InlineData("""{"messages":[{"model":"nested-only"}]}""")]
    public void TryInspect_ModelMissingEmptyOrNotString_FailsNamingModel(string json)
    {
        var error = Reject(json);

        Assert.Equal("model", error.Param);
    }

    [Fact]
    public void TryInspect_MalformedOnLineThree_MessageNamesLineAndByte()
    {
        // Line 3 is `  "stream": x`: the bad value starts at the 13th byte of the line.
        const string Json = "{\n  \"model\": \"gpt-4o\",\n  \"stream\": x\n}";

        var error = Reject(Json);

        Assert.Contains("line 3, byte 13", error.Message, StringComparison.Ordinal);
        Assert.Null(error.Param);
    }

    [Fact]
    public void TryInspect_MalformedAfterMultiByteCharacter_CountsBytesNotCharacters()
    {
        // Line 3 is `  "n": "é" x`: 'é' is two bytes, so the stray 'x' is the 13th byte (12th character).
        const string Json = "{\n  \"model\": \"m\",\n  \"n\": \"é\" x\n}";

        var error = Reject(Json);

        Assert.Contains("line 3, byte 13", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":"m"} x""")]
    [InlineData("""{"model":"m"}{"model":"n"}""")]
    [InlineData("""{"model":"m"},""")]
    [InlineData("""{"model":"m"}}""")]
    public void TryInspect_TrailingContentAfterObject_Fails(string json)
    {
        var error = Reject(json);

        Assert.Null(error.Param);
    }

    [Fact]
    public void TryInspect_TrailingWhitespaceAfterObject_Succeeds()
    {
        var info = Inspect("{\"model\":\"m\"}\r\n\t \n");

        Assert.Equal("m", info.Model);
    }

    [Theory]
    [InlineData("""[{"model":"m"}]""")]
    [InlineData("\"model\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("true")]
    public void TryInspect_RootNotObject_Fails(string json)
    {
        var error = Reject(json);

        Assert.Null(error.Param);
    }

    [Fact]
    public void TryInspect_EmptyBody_Fails()
    {
        var error = Reject([]);

        Assert.Null(error.Param);
    }

    [Theory]
    [InlineData("   ")]
    [InlineData("""{"model":"m" """)]
    [InlineData("""{"model":"m",}""")]
    [InlineData("""{"model":'m'}""")]
    [InlineData("""{"model":"m" /* comment */}""")]
    [InlineData("""{model:"m"}""")]
    public void TryInspect_InvalidJson_Fails(string json)
    {
        var error = Reject(json);

        Assert.Contains("line 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryInspect_InvalidUtf8InModel_FailsWithError()
    {
        byte[] body = [.. "{\"model\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        Reject(body);
    }

    /// <summary>A body whose response_format nests <paramref name="pairs"/> object+array pairs (so 2*pairs+1 levels in all).</summary>
    private static string DeeplyNested(int pairs)
    {
        var json = new StringBuilder("""{"stream":true,"response_format":""");
        for (int i = 0; i < pairs; i++)
        {
            json.Append("""{"model":"inner","items":[""");
        }

        json.Append('1');
        for (int i = 0; i < pairs; i++)
        {
            json.Append("]}");
        }

        json.Append(""","model":"outer","max_tokens":7}""");
        return json.ToString();
    }

    [Fact]
    public void TryInspect_DeeplyNestedUnknownMembers_AcceptedAndNestedModelIgnored()
    {
        // 241 levels: far deeper than System.Text.Json's default of 64, as large tool schemas can be.
        var info = Inspect(DeeplyNested(120));

        Assert.Equal("outer", info.Model);
        Assert.True(info.Stream);
        Assert.Equal(7, info.MaxOutputTokens);
    }

    [Fact]
    public void TryInspect_NestingBeyondDepthLimit_FailsWithError()
    {
        var error = Reject(DeeplyNested(200));

        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryInspect_OneMegabyteBody_ReadsMembersAfterTheMessages()
    {
        var json = new StringBuilder("""{"messages":[""");
        string content = new('a', 1000);
        int count = 0;
        while (json.Length < 1_048_576)
        {
            if (count++ > 0)
            {
                json.Append(',');
            }

            json.Append("{\"role\":\"user\",\"content\":\"").Append(content).Append("\"}");
        }

        json.Append("""],"stream":true,"stream_options":{"include_usage":true},"model":"gpt-4o-mini"}""");
        byte[] body = Encoding.UTF8.GetBytes(json.ToString());
        Assert.True(body.Length > 1_000_000);

        bool ok = ChatRequestInspector.TryInspect(body, out var info, out var error);

        Assert.True(ok, error?.Message);
        Assert.NotNull(info);
        Assert.Equal("gpt-4o-mini", info.Model);
        Assert.True(info.Stream);
        Assert.True(info.IncludeUsage);
    }
}
