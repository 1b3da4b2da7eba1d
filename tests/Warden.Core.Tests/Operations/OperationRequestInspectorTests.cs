using System.Text;
using Warden.Core.Operations;

namespace Warden.Core.Tests.Operations;

public sealed class OperationRequestInspectorTests
{
    [Theory]
    [InlineData("""{"model":"m","input":"hello world"}""", 1, 11, 0)]
    [InlineData("""{"model":"m","input":["ab","cde"]}""", 2, 5, 0)]
    [InlineData("""{"model":"m","input":[1,2,3]}""", 1, 0, 3)]
    [InlineData("""{"model":"m","input":[[1,2],[3,4,5]]}""", 2, 0, 5)]
    [InlineData("""{"model":"m","input":["ab",[3,4]]}""", 2, 2, 2)]
    public void Embeddings_InputForms_CountInputsCharactersAndTokens(string body, int inputs, long characters, long tokens)
    {
        var info = Inspect(OperationKind.Embeddings, body);

        Assert.Equal("m", info.Model);
        Assert.Equal(inputs, info.Inputs);
        Assert.Equal(characters, info.InputCharacters);
        Assert.Equal(tokens, info.InputTokens);
    }

    [Fact]
    public void Embeddings_DimensionsAndEncoding_AreRead()
    {
        var info = Inspect(OperationKind.Embeddings, """{"model":"m","input":"x","dimensions":64,"encoding_format":"base64","user":"u"}""");

        Assert.Equal(64, info.Dimensions);
        Assert.Equal("base64", info.EncodingFormat);
    }

    [Theory]
    [InlineData(OperationKind.Embeddings, """{"input":"x"}""", "model")]
    [InlineData(OperationKind.Embeddings, """{"model":"m"}""", "input")]
    [InlineData(OperationKind.Embeddings, """{"model":"m","input":42}""", "input")]
    [InlineData(OperationKind.Embeddings, """{"model":"m","input":[]}""", "input")]
    [InlineData(OperationKind.Embeddings, """{"model":"m","input":["a",{"x":1}]}""", "input[1]")]
    [InlineData(OperationKind.Embeddings, """{"model":"m","input":[[1,-2]]}""", "input[0][1]")]
    [InlineData(OperationKind.Embeddings, """{"model":"m","input":"x","dimensions":"64"}""", "dimensions")]
    [InlineData(OperationKind.Embeddings, """{"model":"m","input":"x","dimensions":0}""", "dimensions")]
    [InlineData(OperationKind.Embeddings, """{"model":"m","Model":"n","input":"x"}""", "model")]
    [InlineData(OperationKind.Embeddings, """{"model":7,"input":"x"}""", "model")]
    [InlineData(OperationKind.ImageGeneration, """{"model":"m"}""", "prompt")]
    [InlineData(OperationKind.ImageGeneration, """{"prompt":"p","n":"2"}""", "n")]
    [InlineData(OperationKind.Speech, """{"model":"m","voice":"alloy"}""", "input")]
    [InlineData(OperationKind.Speech, """{"model":"m","input":"hi"}""", "voice")]
    [InlineData(OperationKind.Speech, """{"model":"m","input":"hi","voice":3}""", "voice")]
    [InlineData(OperationKind.Moderations, """{"input":[1]}""", "input[0]")]
    [InlineData(OperationKind.Completions, """{"model":"m"}""", "prompt")]
    [InlineData(OperationKind.Completions, """{"model":"m","prompt":"p","max_tokens":-1}""", "max_tokens")]
    [InlineData(OperationKind.Rerank, """{"model":"m","documents":["a"]}""", "query")]
    [InlineData(OperationKind.Rerank, """{"model":"m","query":"q"}""", "documents")]
    [InlineData(OperationKind.Rerank, """{"model":"m","query":"q","documents":["a",{"title":"b"}]}""", "documents[1]")]
    [InlineData(OperationKind.GeminiEmbedContent, """{"content":{"role":"user"}}""", "content.parts")]
    [InlineData(OperationKind.GeminiBatchEmbedContents, """{"requests":[{"content":{"parts":[{"text":"a"}]}},{}]}""", "requests[1].content")]
    public void Inspect_BadField_RefusesNamingTheField(OperationKind kind, string body, string param)
    {
        Assert.False(OperationRequestInspector.TryInspect(kind, Encoding.UTF8.GetBytes(body), out var info, out var error));

        Assert.Null(info);
        Assert.Equal(param, error!.Param);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("""{"model":"m","input":"x"} {}""")]
    [InlineData("""{"model":"m","input":"x",}""")]
    public void Inspect_NotOneJsonObject_Refuses(string body)
    {
        Assert.False(OperationRequestInspector.TryInspect(OperationKind.Embeddings, Encoding.UTF8.GetBytes(body), out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Inspect_InvalidUtf8InASkippedString_Refuses()
    {
        byte[] body = [.. Encoding.ASCII.GetBytes("{\"model\":\"m\",\"input\":\"x\",\"user\":\""), 0xC3, 0x28, .. Encoding.ASCII.GetBytes("\"}")];

        Assert.False(OperationRequestInspector.TryInspect(OperationKind.Embeddings, body, out _, out _));
    }

    [Fact]
    public void ImageGeneration_Options_AreReadAndModelIsOptional()
    {
        var info = Inspect(OperationKind.ImageGeneration, """{"prompt":"a fox","n":3,"size":"1024x1792","quality":"hd","response_format":"b64_json"}""");

        Assert.Null(info.Model);
        Assert.Equal(3, info.Images);
        Assert.Equal("1024x1792", info.ImageSize);
        Assert.Equal("hd", info.ImageQuality);
        Assert.Equal("b64_json", info.ResponseFormat);
        Assert.Equal(5, info.InputCharacters);
    }

    [Fact]
    public void ImageGeneration_NoN_IsOneImage()
    {
        Assert.Equal(1, Inspect(OperationKind.ImageGeneration, """{"prompt":"p"}""").Images);
    }

    [Fact]
    public void Speech_Characters_AreUnicodeScalarsNotUtf16Units()
    {
        var info = Inspect(OperationKind.Speech, """{"model":"tts-1","input":"hi 👋","voice":{"id":"voice_1"}}""");

        Assert.Equal(4, info.InputCharacters);
    }

    [Fact]
    public void Moderations_PartsAreOneInput_StringsAreOneEach()
    {
        Assert.Equal(1, Inspect(OperationKind.Moderations, """{"input":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"https://x"}}]}""").Inputs);
        Assert.Equal(3, Inspect(OperationKind.Moderations, """{"model":"omni-moderation-latest","input":["a","b","c"]}""").Inputs);
    }

    [Fact]
    public void Completions_MaxOutput_IsMaxTokensTimesChoicesTimesPrompts()
    {
        var info = Inspect(OperationKind.Completions, """{"model":"m","prompt":["a","b"],"n":3,"max_tokens":10,"stream":true,"stream_options":{"include_usage":true}}""");

        Assert.Equal(60, info.MaxOutputTokens);
        Assert.True(info.Stream);
        Assert.True(info.IncludeUsage);
        Assert.Equal(16, Inspect(OperationKind.Completions, """{"model":"m","prompt":"a"}""").MaxOutputTokens);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(100, 1)]
    [InlineData(101, 2)]
    [InlineData(250, 3)]
    public void Rerank_Documents_SearchUnitsPerStartedHundred(int documents, int units)
    {
        string list = string.Join(",", Enumerable.Range(0, documents).Select(i => i % 2 == 0 ? "\"d\"" : """{"text":"d"}"""));
        var info = Inspect(OperationKind.Rerank, $$"""{"model":"r","query":"q","documents":[{{list}}],"top_n":3}""");

        Assert.Equal(documents, info.Documents);
        Assert.Equal(units, info.SearchUnits);
        Assert.Equal(1 + documents, info.InputCharacters);
    }

    [Fact]
    public void GeminiBatch_Requests_CountsInputsAndTextAndDimensions()
    {
        var info = Inspect(OperationKind.GeminiBatchEmbedContents, """
            {"requests":[
              {"model":"models/e","content":{"parts":[{"text":"abc"},{"text":"de"}]},"outputDimensionality":32},
              {"model":"models/e","content":{"parts":[{"text":"f"}]}}]}
            """);

        Assert.Null(info.Model);
        Assert.Equal(2, info.Inputs);
        Assert.Equal(6, info.InputCharacters);
        Assert.Equal(32, info.Dimensions);
    }

    private static OperationRequestInfo Inspect(OperationKind kind, string body)
    {
        Assert.True(OperationRequestInspector.TryInspect(kind, Encoding.UTF8.GetBytes(body), out var info, out var error), error?.Message);
        return info!;
    }
}
