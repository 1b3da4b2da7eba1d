using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Warden.Core.Operations;

namespace Warden.Core.Tests.Operations;

public sealed class EmbeddingsTranslatorTests
{
    [Fact]
    public void OpenAIRequestToGemini_String_IsOneEmbedContentWithDimensions()
    {
        var result = EmbeddingsTranslator.OpenAIRequestToGemini(Bytes("""{"model":"text-embedding-004","input":"hello","dimensions":128,"encoding_format":"base64"}"""), "text-embedding-004");

        Assert.True(result.Succeeded);
        Assert.False(result.Batch);
        using var body = Parse(result);
        Assert.Equal("models/text-embedding-004", body.RootElement.GetProperty("model").GetString());
        Assert.Equal("hello", body.RootElement.GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString());
        Assert.Equal(128, body.RootElement.GetProperty("outputDimensionality").GetInt32());
    }

    [Fact]
    public void OpenAIRequestToGemini_Strings_IsOneBatchRequestEach()
    {
        var result = EmbeddingsTranslator.OpenAIRequestToGemini(Bytes("""{"model":"e","input":["a","b"]}"""), "e");

        Assert.True(result.Batch);
        using var body = Parse(result);
        var requests = body.RootElement.GetProperty("requests").EnumerateArray().ToList();
        Assert.Equal(["a", "b"], requests.Select(r => r.GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString()));
        Assert.All(requests, r => Assert.Equal("models/e", r.GetProperty("model").GetString()));
    }

    [Theory]
    [InlineData("""{"model":"e","input":[1,2,3]}""", "input")]
    [InlineData("""{"model":"e","input":[[1,2]]}""", "input[0]")]
    [InlineData("""{"model":"e","input":"x","user":"u1"}""", "user")]
    [InlineData("""{"model":"e","input":"x","encoding_format":"int8"}""", "encoding_format")]
    [InlineData("""{"model":"e"}""", "input")]
    public void OpenAIRequestToGemini_WhatGeminiCannotCarry_RefusedNamingTheField(string body, string param)
    {
        var result = EmbeddingsTranslator.OpenAIRequestToGemini(Bytes(body), "e");

        Assert.False(result.Succeeded);
        Assert.Equal(param, result.Error!.Param);
    }

    [Fact]
    public void GeminiResponseToOpenAI_Floats_KeepsTheNumbersTextExactly()
    {
        var result = EmbeddingsTranslator.GeminiResponseToOpenAI(Bytes("""{"embeddings":[{"values":[0.1,-0.25]},{"values":[1e-7,0]}]}"""), batch: true, "e", base64: false);

        Assert.Null(result.InputTokens);
        Assert.Equal("""{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,-0.25]},{"object":"embedding","index":1,"embedding":[1e-7,0]}],"model":"e"}""",
            Encoding.UTF8.GetString(result.Body.Span));
    }

    [Fact]
    public void GeminiResponseToOpenAI_Base64_PacksLittleEndianFloat32()
    {
        var result = EmbeddingsTranslator.GeminiResponseToOpenAI(Bytes("""{"embedding":{"values":[0.5,-2]}}"""), batch: false, "e", base64: true);

        using var body = Parse(result);
        var bytes = Convert.FromBase64String(body.RootElement.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        Assert.Equal([0.5f, -2f], [BinaryPrimitives.ReadSingleLittleEndian(bytes), BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4))]);
    }

    [Theory]
    [InlineData("""{"embedding":{}}""", false)]
    [InlineData("""{"embeddings":[{"values":["x"]}]}""", true)]
    [InlineData("""[1]""", false)]
    public void GeminiResponseToOpenAI_Malformed_Fails(string body, bool batch)
    {
        Assert.False(EmbeddingsTranslator.GeminiResponseToOpenAI(Bytes(body), batch, "e", base64: false).Succeeded);
    }

    [Fact]
    public void GeminiRequestToOpenAI_Batch_IsAnArrayInputWithOneDimensions()
    {
        var result = EmbeddingsTranslator.GeminiRequestToOpenAI(Bytes("""
            {"requests":[
              {"model":"models/e","content":{"parts":[{"text":"first"},{"text":"line"}]},"outputDimensionality":64},
              {"model":"models/e","content":{"parts":[{"text":"second"}]},"outputDimensionality":64,"taskType":"TASK_TYPE_UNSPECIFIED"}]}
            """), batch: true, "e");

        Assert.True(result.Succeeded, result.Error?.Message);
        using var body = Parse(result);
        Assert.Equal("e", body.RootElement.GetProperty("model").GetString());
        Assert.Equal(["first\nline", "second"], body.RootElement.GetProperty("input").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal(64, body.RootElement.GetProperty("dimensions").GetInt32());
        Assert.Equal("float", body.RootElement.GetProperty("encoding_format").GetString());
    }

    [Theory]
    [InlineData(false, """{"content":{"parts":[{"text":"a"}]},"taskType":"RETRIEVAL_QUERY"}""", "taskType")]
    [InlineData(false, """{"content":{"parts":[{"text":"a"}]},"title":"t"}""", "title")]
    [InlineData(false, """{"content":{"parts":[{"inlineData":{"mimeType":"image/png","data":"AA=="}}]}}""", "content.parts[0]")]
    [InlineData(false, """{"content":{"parts":[]}}""", "content")]
    [InlineData(true, """{"requests":[{"model":"models/other","content":{"parts":[{"text":"a"}]}}]}""", "requests[0].model")]
    [InlineData(true, """{"requests":[{"content":{"parts":[{"text":"a"}]},"outputDimensionality":8},{"content":{"parts":[{"text":"b"}]}}]}""", "requests[1].outputDimensionality")]
    public void GeminiRequestToOpenAI_WhatOpenAICannotCarry_RefusedNamingTheField(bool batch, string body, string param)
    {
        var result = EmbeddingsTranslator.GeminiRequestToOpenAI(Bytes(body), batch, "e");

        Assert.False(result.Succeeded);
        Assert.Equal(param, result.Error!.Param);
    }

    [Fact]
    public void OpenAIResponseToGemini_Batch_OrdersByIndexUnpacksBase64AndReportsPromptTokens()
    {
        var packed = new byte[8];
        BinaryPrimitives.WriteSingleLittleEndian(packed, 0.25f);
        BinaryPrimitives.WriteSingleLittleEndian(packed.AsSpan(4), -1f);
        var result = EmbeddingsTranslator.OpenAIResponseToGemini(Bytes($$$"""
            {"object":"list","data":[
              {"object":"embedding","index":1,"embedding":"{{{Convert.ToBase64String(packed)}}}"},
              {"object":"embedding","index":0,"embedding":[0.5,0.75]}],
             "model":"e","usage":{"prompt_tokens":9,"total_tokens":9}}
            """), batch: true);

        Assert.Equal(9, result.InputTokens);
        Assert.Equal("""{"embeddings":[{"values":[0.5,0.75]},{"values":[0.25,-1]}]}""", Encoding.UTF8.GetString(result.Body.Span));
    }

    [Fact]
    public void OpenAIResponseToGemini_Single_IsOneEmbedding()
    {
        var result = EmbeddingsTranslator.OpenAIResponseToGemini(Bytes("""{"data":[{"index":0,"embedding":[1,2]}]}"""), batch: false);

        Assert.Null(result.InputTokens);
        Assert.Equal("""{"embedding":{"values":[1,2]}}""", Encoding.UTF8.GetString(result.Body.Span));
    }

    [Fact]
    public void RoundTrip_OpenAIThroughGeminiAndBack_KeepsTheRequest()
    {
        var toGemini = EmbeddingsTranslator.OpenAIRequestToGemini(Bytes("""{"model":"e","input":["x","y"],"dimensions":16}"""), "e");
        var back = EmbeddingsTranslator.GeminiRequestToOpenAI(toGemini.Body.Span, toGemini.Batch, "e");

        Assert.Equal("""{"model":"e","input":["x","y"],"dimensions":16,"encoding_format":"float"}""", Encoding.UTF8.GetString(back.Body.Span));
    }

    private static byte[] Bytes(string json) => Encoding.UTF8.GetBytes(json);

    private static JsonDocument Parse(EmbeddingsTranslation result)
    {
        Assert.True(result.Succeeded, result.Error?.Message);
        return JsonDocument.Parse(result.Body);
    }
}
