using System.Text;
using System.Text.Json;
using Warden.Core.Chat;
using Warden.Core.Providers.OpenAI;

namespace Warden.Core.Tests.Providers.OpenAI;

public class ChatResponseReaderTests
{
    private static ChatResponseFacts Read(string json) => Read(Encoding.UTF8.GetBytes(json));

    private static ChatResponseFacts Read(byte[] json)
    {
        Assert.True(ChatResponseReader.TryRead(json, out var facts));
        return facts;
    }

    private static Usage ReadUsage(string usageJson)
    {
        var facts = Read($$"""{"id":"x","choices":[],"usage":{{usageJson}}}""");
        Assert.NotNull(facts.Usage);
        return facts.Usage;
    }

    [Theory]
    [InlineData("chat.json.text.json", "chatcmpl-a755b26c66640757f5f65812")]
    [InlineData("chat.json.tool_calls.json", "chatcmpl-b54a3880eafdc57ef6dd5f1d")]
    public void TryRead_WireSampleResponse_ReadsIdModelUsageAndChoices(string sample, string expectedId)
    {
        var facts = Read(WireSample.Bytes(sample));

        Assert.Equal(expectedId, facts.Id);
        Assert.Equal("gpt-x", facts.Model);
        Assert.True(facts.HasChoices);
        Assert.False(facts.IsError);
        Assert.False(facts.IsUsageOnlyChunk);
        Assert.Equal(new Usage(12, 7, 0, null, 0, UsageSource.Reported), facts.Usage);
    }

    [Theory]
    [InlineData("chat.stream.text+usage.sse", "chatcmpl-44f5e7ca7c86bb41d40aa73e")]
    [InlineData("chat.stream.tool_calls+usage.sse", "chatcmpl-45007ecc8c7edf3fa3938c7e")]
    public void TryRead_WireSampleStream_OnlyLastChunkIsUsageOnly(string sample, string expectedId)
    {
        var chunks = WireSample.SseDataChunks(sample);
        Assert.True(chunks.Count >= 3);

        var facts = chunks.Select(Read).ToList();

        Assert.All(facts, f => Assert.Equal(expectedId, f.Id));
        Assert.All(facts, f => Assert.Equal("gpt-x", f.Model));
        Assert.All(facts, f => Assert.False(f.IsError));
        Assert.Equal(new[] { facts.Count - 1 }, facts.Select((f, i) => (f, i)).Where(x => x.f.IsUsageOnlyChunk).Select(x => x.i));
        Assert.All(facts[..^1], f => Assert.True(f.HasChoices));
        Assert.False(facts[^1].HasChoices);
        Assert.Equal(new Usage(12, 7, 0, null, 0, UsageSource.Reported), facts[^1].Usage);
    }

    [Theory]
    [InlineData("chat.stream.text+usage.sse")]
    [InlineData("chat.stream.tool_calls+usage.sse")]
    public void TryRead_WireSampleChunkWithNullUsage_HasNullUsage(string sample)
    {
        int nullUsageChunks = 0;
        foreach (byte[] chunk in WireSample.SseDataChunks(sample))
        {
            using var doc = JsonDocument.Parse(chunk);
            bool usageIsNull = doc.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Null;

            var facts = Read(chunk);

            if (usageIsNull)
            {
                nullUsageChunks++;
                Assert.Null(facts.Usage);
            }
            else
            {
                Assert.NotNull(facts.Usage);
            }
        }

        Assert.True(nullUsageChunks > 0);
    }

    [Fact]
    public void TryRead_OpenAIUsage_MapsCachedAndReasoningDetails()
    {
        var usage = ReadUsage("""
            {"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,
             "prompt_tokens_details":{"audio_tokens":0,"cached_tokens":1024},
             "completion_tokens_details":{"accepted_prediction_tokens":0,"audio_tokens":0,"reasoning_tokens":192,"rejected_prediction_tokens":0}}
            """);

        Assert.Equal(new Usage(1200, 300, 1024, null, 192, UsageSource.Reported), usage);
    }

    [Fact]
    public void TryRead_DeepSeekUsage_MapsPromptCacheHitTokens()
    {
        var usage = ReadUsage("""
            {"prompt_tokens":900,"completion_tokens":80,"total_tokens":980,"prompt_cache_hit_tokens":640,"prompt_cache_miss_tokens":260}
            """);

        Assert.Equal(new Usage(900, 80, 640, null, null, UsageSource.Reported), usage);
    }

    [Fact]
    public void TryRead_DeepSeekReasonerUsage_MapsCacheHitAndReasoning()
    {
        var usage = ReadUsage("""
            {"prompt_tokens":900,"completion_tokens":500,"total_tokens":1400,
             "completion_tokens_details":{"reasoning_tokens":350},
             "prompt_cache_hit_tokens":128,"prompt_cache_miss_tokens":772}
            """);

        Assert.Equal(new Usage(900, 500, 128, null, 350, UsageSource.Reported), usage);
    }

    [Fact]
    public void TryRead_MoonshotUsage_MapsTopLevelCachedTokens()
    {
        var usage = ReadUsage("""
            {"prompt_tokens":500,"completion_tokens":40,"total_tokens":540,"cached_tokens":256}
            """);

        Assert.Equal(new Usage(500, 40, 256, null, null, UsageSource.Reported), usage);
    }

    [Fact]
    public void TryRead_UsageWithoutOptionalFields_LeavesThemNullNotZero()
    {
        var usage = ReadUsage("""{"prompt_tokens":10,"completion_tokens":3,"total_tokens":13}""");

        Assert.Equal(10, usage.InputTokens);
        Assert.Equal(3, usage.OutputTokens);
        Assert.Null(usage.CacheReadTokens);
        Assert.Null(usage.CacheWriteTokens);
        Assert.Null(usage.ReasoningTokens);
        Assert.Equal(UsageSource.Reported, usage.Source);
    }

    [Fact]
    public void TryRead_UsageWithNullDetails_LeavesThemNull()
    {
        var usage = ReadUsage("""
            {"prompt_tokens":10,"completion_tokens":3,"prompt_tokens_details":null,"completion_tokens_details":null}
            """);

        Assert.Equal(new Usage(10, 3, null, null, null, UsageSource.Reported), usage);
    }

    [Fact]
    public void TryRead_EmptyUsageObject_IsReportedWithAllCountsNull()
    {
        var usage = ReadUsage("{}");

        Assert.Equal(new Usage(null, null, null, null, null, UsageSource.Reported), usage);
    }

    [Fact]
    public void TryRead_CachedTokensInsideCompletionDetails_IsNotCacheRead()
    {
        var usage = ReadUsage("""
            {"prompt_tokens":10,"completion_tokens":3,"completion_tokens_details":{"cached_tokens":9,"reasoning_tokens":2}}
            """);

        Assert.Null(usage.CacheReadTokens);
        Assert.Equal(2, usage.ReasoningTokens);
    }

    [Fact]
    public void TryRead_UsageBeforeOtherMembers_ReadsEverything()
    {
        var facts = Read("""
            {"usage":{"prompt_tokens":5,"completion_tokens":6},"choices":[{"index":0,"delta":{"content":"x"}}],"model":"m","id":"c1"}
            """);

        Assert.Equal("c1", facts.Id);
        Assert.Equal("m", facts.Model);
        Assert.True(facts.HasChoices);
        Assert.Equal(new Usage(5, 6, null, null, null, UsageSource.Reported), facts.Usage);
        Assert.False(facts.IsUsageOnlyChunk);
    }

    [Fact]
    public void TryRead_IdentityInsideChoices_IsNotTakenForTopLevel()
    {
        var facts = Read("""
            {"choices":[{"id":"inner","model":"inner","usage":{"prompt_tokens":1}}],"id":"outer"}
            """);

        Assert.Equal("outer", facts.Id);
        Assert.Null(facts.Model);
        Assert.Null(facts.Usage);
    }

    [Theory]
    [InlineData("""{"id":"c","choices":[]}""", false)]
    [InlineData("""{"id":"c","choices":null}""", false)]
    [InlineData("""{"id":"c"}""", false)]
    [InlineData("""{"id":"c","choices":[{}]}""", true)]
    [InlineData("""{"id":"c","choices":[ {"index":0} , {"index":1} ]}""", true)]
    public void TryRead_Choices_HasChoicesOnlyWhenNonEmptyArray(string json, bool expected)
    {
        Assert.Equal(expected, Read(json).HasChoices);
    }

    [Fact]
    public void TryRead_EmptyChoicesWithNullUsage_IsNotUsageOnlyChunk()
    {
        var facts = Read("""{"id":"c","choices":[],"usage":null}""");

        Assert.Null(facts.Usage);
        Assert.False(facts.IsUsageOnlyChunk);
    }

    [Theory]
    [InlineData("openai.error.400.json")]
    [InlineData("openai.error.429.json")]
    [InlineData("openai.error.500.json")]
    [InlineData("openai.error.503.json")]
    public void TryRead_ErrorSample_IsError(string sample)
    {
        var facts = Read(WireSample.Bytes(sample));

        Assert.True(facts.IsError);
        Assert.False(facts.HasChoices);
        Assert.Null(facts.Usage);
    }

    [Fact]
    public void TryRead_ErrorAfterUsageInStreamChunk_IsError()
    {
        var facts = Read("""{"id":"c","choices":[],"error":{"message":"boom","type":"server_error"}}""");

        Assert.True(facts.IsError);
        Assert.Equal("c", facts.Id);
    }

    [Fact]
    public void TryRead_ErrorNull_IsNotError()
    {
        Assert.False(Read("""{"id":"c","choices":[{}],"error":null}""").IsError);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-1e400")]
    [InlineData("123456789012345678901234567890")]
    [InlineData("\"12\"")]
    public void TryRead_UsageCountNotAnInt64_IsNull(string value)
    {
        var usage = ReadUsage($$"""{"prompt_tokens":{{value}},"completion_tokens":4}""");

        Assert.Null(usage.InputTokens);
        Assert.Equal(4, usage.OutputTokens);
    }

    [Fact]
    public void TryRead_NonStringIdAndModel_AreNull()
    {
        var facts = Read("""{"id":42,"model":{"name":"m"},"choices":[{}]}""");

        Assert.Null(facts.Id);
        Assert.Null(facts.Model);
        Assert.True(facts.HasChoices);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[DONE]")]
    [InlineData("""{"id":"c","choices":[""")]
    [InlineData("""{"id":"c","usage":{"prompt_tokens":1}""")]
    [InlineData("""[{"id":"c"}]""")]
    [InlineData("\"chatcmpl\"")]
    [InlineData("""{"id":"c"} trailing""")]
    [InlineData("""{"id":"c"}{"id":"d"}""")]
    public void TryRead_InvalidJson_ReturnsFalse(string json)
    {
        Assert.False(ChatResponseReader.TryRead(Encoding.UTF8.GetBytes(json), out var facts));
        Assert.Equal(default, facts);
    }

    [Fact]
    public void TryRead_InvalidUtf8InId_ReturnsFalseWithoutThrowing()
    {
        byte[] json = [.. "{\"id\":\""u8, 0xC3, 0x28, .. "\",\"choices\":[]}"u8];

        Assert.False(ChatResponseReader.TryRead(json, out _));
    }

    [Theory]
    [InlineData("""{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}""", true)]
    [InlineData("""{"id":"c","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}""", false)]
    [InlineData("""{"id":"c","choices":[{"index":0,"delta":{"content":"hi"}}]}""", false)]
    [InlineData("""{"id":"c","choices":[{"index":0,"delta":{}},{"index":1,"delta":{},"finish_reason":"length"}]}""", true)]
    public void TryRead_StreamChunk_SaysWhetherAChoiceFinished(string chunk, bool finished)
    {
        Assert.Equal(finished, Read(chunk).HasFinish);
    }

    [Fact]
    public void TryRead_UsageChunkAfterEmptyChoices_StillReadsTheUsageAndNoFinish()
    {
        var facts = Read("""{"id":"c","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":100000}}""");

        Assert.False(facts.HasFinish);
        Assert.True(facts.IsUsageOnlyChunk);
        Assert.Equal(100_000, facts.Usage!.OutputTokens);
    }
}
