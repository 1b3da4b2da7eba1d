using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects.Gemini;
using static Warden.Core.Tests.Dialects.Gemini.GeminiTestSupport;

namespace Warden.Core.Tests.Dialects.Gemini;

public class GeminiRequestDecoderTests
{
    [Fact]
    public void Decode_CliRouterCall_ReadsJsonSchemaModeThinkingAndSystemInstruction()
    {
        var request = Decode("gemini-cli.tool.00.json");

        Assert.Equal(WireDialectName.Gemini, request.Origin);
        Assert.Equal("gemini-3.5-flash-lite", request.Model);
        Assert.False(request.Stream);
        Assert.Equal(MessageRole.System, request.Messages[0].Role);
        Assert.Equal("user", request.Messages[0].Extensions!["gemini.role"].GetString());
        Assert.Equal([MessageRole.User, MessageRole.User], request.Messages.Skip(1).Select(m => m.Role));
        Assert.Equal("run echo hello-from-tool", Assert.IsType<TextBlock>(request.Messages[2].Content[0]).Text);
        Assert.Equal(1.0, request.Temperature);
        Assert.Equal(0.95, request.TopP);
        Assert.Equal(64, request.TopK);

        var format = request.OutputFormat!;
        Assert.Equal(OutputFormatKind.JsonSchema, format.Kind);
        // The CLI names OpenAPI types ("OBJECT"); canonical schemas are JSON Schema, in lower case.
        Assert.Equal("object", format.Schema!.Value.GetProperty("type").GetString());
        Assert.Equal("integer", format.Schema!.Value.GetProperty("properties").GetProperty("complexity_score").GetProperty("type").GetString());
        Assert.Equal("responseJsonSchema", request.Extensions["gemini.responseSchemaField"].GetString());

        Assert.Equal("high", request.Reasoning!.Effort);
        Assert.True(request.Reasoning.IncludeThoughts);
        Assert.True(request.Reasoning.Enabled);
    }

    [Fact]
    public void Decode_CliToolTurn_KeepsDummySignatureBeforeTheCallAndMatchesTheResponse()
    {
        var request = Decode("gemini-cli.tool.02.json");

        Assert.True(request.Stream);
        Assert.Equal("gemini-3.8-flash", request.Model);
        Assert.Equal(15, request.Tools.Count);
        Assert.All(request.Tools, t => Assert.Equal("parametersJsonSchema", t.Extensions!["gemini.schemaField"].GetString()));
        Assert.Equal("object", request.Tools[0].InputSchema!.Value.GetProperty("type").GetString());

        var model = request.Messages.Single(m => m.Role == MessageRole.Assistant);
        var signature = Assert.IsType<ReasoningBlock>(model.Content[0]);
        Assert.Equal("skip_thought_signature_validator", signature.Signature);
        Assert.Null(signature.Text);
        Assert.Equal(WireDialectName.Gemini, signature.Origin);
        var call = Assert.IsType<ToolCallBlock>(model.Content[1]);
        Assert.Equal("run_shell_command_1795315786957_0", call.Id);
        Assert.Equal("run_shell_command", call.Name);
        using (var args = JsonDocument.Parse(call.ArgumentsJson))
        {
            Assert.Equal("echo hello-from-tool", args.RootElement.GetProperty("command").GetString());
        }

        var result = Assert.IsType<ToolResultBlock>(request.Messages[^1].Content[0]);
        Assert.Equal(call.Id, result.CallId);
        Assert.Equal("run_shell_command", result.Name);
        Assert.True(result.WasString);
        Assert.False(result.IsError);
        Assert.StartsWith("<untrusted_context>\nOutput: hello-from-tool", Assert.IsType<TextBlock>(result.Content[0]).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_SdkCallWithoutId_DerivesAnIdTheResponseMatchesByName()
    {
        var request = Decode("google-genai-sdk.02.json");

        var call = Assert.IsType<ToolCallBlock>(request.Messages[1].Content.Single());
        Assert.Equal("call_get_weather_0", call.Id);
        Assert.Equal(JsonValueKind.True, call.Extensions!["gemini.derivedId"].ValueKind);
        var result = Assert.IsType<ToolResultBlock>(request.Messages[2].Content.Single());
        Assert.Equal("call_get_weather_0", result.CallId);
        Assert.False(result.WasString);
        using var content = JsonDocument.Parse(Assert.IsType<TextBlock>(result.Content[0]).Text);
        Assert.Equal(21, content.RootElement.GetProperty("temp").GetInt32());
    }

    [Fact]
    public void Decode_SdkThinkingBudget_BecomesABudgetAndStreamComesFromThePath()
    {
        var request = Decode("google-genai-sdk.00.json");

        Assert.True(request.Stream);
        Assert.Equal(128, request.Reasoning!.BudgetTokens);
        Assert.True(request.Reasoning.IncludeThoughts);
        Assert.Equal("Be brief.", Assert.IsType<TextBlock>(request.Messages[0].Content[0]).Text);
    }

    [Fact]
    public void Decode_ParallelCallsOfOneFunctionWithoutIds_MatchResponsesInOrder()
    {
        const string Body = """
            {"contents":[
              {"role":"model","parts":[{"functionCall":{"name":"f","args":{"n":1}}},{"functionCall":{"name":"f","args":{"n":2}}}]},
              {"role":"user","parts":[{"functionResponse":{"name":"f","response":{"r":1}}},{"functionResponse":{"name":"f","response":{"r":2}}}]}]}
            """;

        Assert.True(GeminiCodec.Instance.TryDecodeRequest(Encoding.UTF8.GetBytes(Body), new RequestContext("m"), out var request, out _));

        var calls = request.Messages[0].Content.Cast<ToolCallBlock>().Select(c => c.Id).ToList();
        var results = request.Messages[1].Content.Cast<ToolResultBlock>().Select(r => r.CallId).ToList();
        Assert.Equal(["call_f_0", "call_f_1"], calls);
        Assert.Equal(calls, results);
        var encoded = GeminiCodec.Instance.EncodeRequest(request, "m");
        Equivalent(Parse(Body), Parse(encoded.Body));
    }

    [Theory]
    [InlineData(-1, true, null, true)]
    [InlineData(0, false, null, false)]
    [InlineData(2048, false, 2048L, true)]
    public void Decode_ThinkingBudget_MapsSpecialValues(long budget, bool adaptive, long? tokens, bool enabled)
    {
        string body = """{"contents":[{"parts":[{"text":"hi"}]}],"generationConfig":{"thinkingConfig":{"thinkingBudget":""" + budget.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}}";

        Assert.True(GeminiCodec.Instance.TryDecodeRequest(Encoding.UTF8.GetBytes(body), new RequestContext("m", false), out var request, out _));

        Assert.Equal(adaptive, request.Reasoning!.Adaptive);
        Assert.Equal(tokens, request.Reasoning.BudgetTokens);
        Assert.Equal(enabled, request.Reasoning.Enabled);
    }

    [Fact]
    public void Decode_ToolConfigAnyWithOneName_IsASpecificChoice_AndValidatedStaysAnExtension()
    {
        const string Specific = """{"contents":[],"toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["f"]}}}""";
        const string Validated = """{"contents":[],"toolConfig":{"functionCallingConfig":{"mode":"VALIDATED"}}}""";

        Assert.True(GeminiCodec.Instance.TryDecodeRequest(Encoding.UTF8.GetBytes(Specific), new RequestContext("m"), out var specific, out _));
        Assert.True(GeminiCodec.Instance.TryDecodeRequest(Encoding.UTF8.GetBytes(Validated), new RequestContext("m"), out var validated, out _));

        Assert.Equal(new ToolChoice(ToolChoiceMode.Specific, "f"), specific.ToolChoice);
        Assert.Null(validated.ToolChoice);
        Assert.True(validated.Extensions.ContainsKey("gemini.toolConfig"));
    }

    [Fact]
    public void Decode_OtherFields_GoToExtensionsAndBuiltInToolsKeepTheirRawJson()
    {
        const string Body = """
            {"contents":[{"role":"user","parts":[{"text":"hi"},{"executableCode":{"language":"PYTHON","code":"print(1)"}}]}],
             "tools":[{"googleSearch":{}},{"codeExecution":{}}],
             "safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}],
             "cachedContent":"cachedContents/abc",
             "generationConfig":{"seed":7,"candidateCount":1,"maxOutputTokens":100,"stopSequences":["END"]}}
            """;

        Assert.True(GeminiCodec.Instance.TryDecodeRequest(Encoding.UTF8.GetBytes(Body), new RequestContext("m"), out var request, out _));

        Assert.Equal(["googleSearch", "codeExecution"], request.Tools.Select(t => t.Kind));
        Assert.All(request.Tools, t => Assert.Equal(JsonValueKind.Object, t.Raw!.Value.ValueKind));
        Assert.True(request.Extensions.ContainsKey("gemini.safetySettings"));
        Assert.Equal("cachedContents/abc", request.Extensions["gemini.cachedContent"].GetString());
        Assert.Equal(7, request.Extensions["gemini.generationConfig.seed"].GetInt32());
        Assert.True(request.Extensions.ContainsKey("gemini.candidateCount"));
        Assert.Equal(100, request.MaxOutputTokens);
        Assert.Equal(["END"], request.StopSequences!);
        var unknown = Assert.IsType<UnknownBlock>(request.Messages[0].Content[1]);
        Assert.Equal("executableCode", unknown.Type);
    }

    [Fact]
    public void Decode_ThoughtPartWithSignature_IsOneGeminiReasoningBlock()
    {
        const string Body = """{"contents":[{"role":"model","parts":[{"text":"thinking…","thought":true,"thoughtSignature":"c2ln"},{"text":"answer"}]}]}""";

        Assert.True(GeminiCodec.Instance.TryDecodeRequest(Encoding.UTF8.GetBytes(Body), new RequestContext("m"), out var request, out _));

        var reasoning = Assert.IsType<ReasoningBlock>(request.Messages[0].Content[0]);
        Assert.Equal("thinking…", reasoning.Text);
        Assert.Equal("c2ln", reasoning.Signature);
        Assert.Equal("answer", Assert.IsType<TextBlock>(request.Messages[0].Content[1]).Text);
    }

    [Fact]
    public void Decode_EnvelopedSignature_UnwrapsToTheOriginalProvidersReasoning()
    {
        string envelope = ReasoningEnvelope.Wrap(new ReasoningBlock("t", "anthropic-sig", null, null, null, WireDialectName.Anthropic));
        string body = $$"""{"contents":[{"role":"model","parts":[{"text":"done","thoughtSignature":"{{envelope}}"}]}]}""";

        Assert.True(GeminiCodec.Instance.TryDecodeRequest(Encoding.UTF8.GetBytes(body), new RequestContext("m"), out var request, out _));

        var reasoning = Assert.IsType<ReasoningBlock>(request.Messages[0].Content[0]);
        Assert.Equal(WireDialectName.Anthropic, reasoning.Origin);
        Assert.Equal("anthropic-sig", reasoning.Signature);
    }

    [Theory]
    [InlineData("""{"contents":[{"role":"assistant","parts":[{"text":"x"}]}]}""", "contents[0].role")]
    [InlineData("""{"contents":[{"role":"user","parts":[{"functionCall":{"args":{}}}]}]}""", "contents[0].parts[0].functionCall")]
    [InlineData("""{"contents":[{"role":"user"}]}""", "contents[0].parts")]
    [InlineData("""{"generationConfig":{}}""", "contents")]
    [InlineData("""{"contents":[],"generationConfig":{"temperature":"hot"}}""", "generationConfig.temperature")]
    public void Decode_BadInput_NamesTheField(string body, string param)
    {
        Assert.False(GeminiCodec.Instance.TryDecodeRequest(Encoding.UTF8.GetBytes(body), new RequestContext("m"), out _, out var error));

        Assert.Equal(param, error!.Param);
    }

    [Fact]
    public void Decode_NoModelInPath_IsRefused()
    {
        Assert.False(GeminiCodec.Instance.TryDecodeRequest("""{"contents":[]}"""u8.ToArray(), RequestContext.Empty, out _, out var error));

        Assert.Equal("model", error!.Param);
    }
}
