using System.Text.Json.Nodes;
using Warden.Server.Audit;
using Warden.Server.Audit.Checks;
using Warden.Server.Audit.Stats;

namespace Warden.Server.Tests.Audit.Checks;

/// <summary>The checks' decisions on seeded samples: honest data passes, each kind of dishonesty fails.</summary>
public sealed class CheckDecisionTests
{
    private const double Alpha = 0.01;

    [Fact]
    public void Usage_ConstantTemplateOverhead_IsNotInflation()
    {
        var points = Enumerable.Range(1, 20).Select(static i => ((double)(i * 37), (double)((i * 37) + 7))).ToArray();
        var result = UsageCheck.Evaluate(points, points, Alpha);
        Assert.Equal(AuditVerdict.Pass, result.Verdict);
        Assert.Equal(1.0, result.Effect!.Value, 6);
    }

    [Fact]
    public void Usage_MultiplicativeFactor_Fails_WithItsInterval()
    {
        var random = new Random(31);
        var points = Enumerable.Range(1, 20).Select(i =>
        {
            var x = (double)(i * 41);
            return (x, Math.Round((1.3 * x) + 7 + random.Next(-2, 3)));
        }).ToArray();
        var result = UsageCheck.Evaluate(points, [], Alpha);
        Assert.Equal(AuditVerdict.Fail, result.Verdict);
        Assert.InRange(result.Effect!.Value, 1.28, 1.32);
        Assert.True(result.CiLow > 1 + UsageCheck.Tolerance && result.CiHigh > result.CiLow);
        Assert.Equal(AuditChartKind.Interval, result.Charts[0].Kind);
    }

    [Fact]
    public void Usage_InflatedOutputOnly_Fails()
    {
        var input = Enumerable.Range(1, 20).Select(static i => ((double)(i * 37), (double)((i * 37) + 4))).ToArray();
        var output = Enumerable.Range(1, 20).Select(static i => ((double)(i * 5), (double)(i * 10))).ToArray();
        Assert.Equal(AuditVerdict.Fail, UsageCheck.Evaluate(input, output, Alpha).Verdict);
    }

    [Fact]
    public void Context_RecallAtEveryLength_Passes()
    {
        ContextLevel[] levels = [new(40, 3, 10, 10), new(8000, 60, 10, 10), new(16000, 120, 9, 10), new(26000, 200, 10, 10)];
        var result = ContextCheck.Evaluate(levels, Alpha);
        Assert.Equal(AuditVerdict.Pass, result.Verdict);
        Assert.Equal(AuditChartKind.Line, result.Charts[0].Kind);
        Assert.Equal(4, result.Charts[0].Series[0].Points.Count);
    }

    [Fact]
    public void Context_LostAtLongLengths_Fails()
    {
        ContextLevel[] levels = [new(40, 3, 10, 10), new(8000, 60, 10, 10), new(16000, 120, 0, 10), new(26000, 200, 0, 10)];
        var result = ContextCheck.Evaluate(levels, Alpha);
        Assert.Equal(AuditVerdict.Fail, result.Verdict);
        Assert.True(result.PValue < Alpha);
        Assert.Equal(0, result.Effect);
    }

    [Fact]
    public void Context_NoRecallEvenWhenShort_IsInconclusive()
    {
        ContextLevel[] levels = [new(40, 3, 1, 10), new(8000, 60, 0, 10), new(16000, 120, 0, 10), new(26000, 200, 0, 10)];
        Assert.Equal(AuditVerdict.Inconclusive, ContextCheck.Evaluate(levels, Alpha).Verdict);
    }

    [Fact]
    public void Context_Conversation_PlantsTheFactFirstAndAsksLast()
    {
        var (messages, value, tokens) = ContextCheck.Conversation(new Random(3), 4000, TokenizerFamily.SimChars4);
        Assert.Contains(value, messages[0].Text, StringComparison.Ordinal);
        Assert.StartsWith("What is the code word for ", messages[^1].Text, StringComparison.Ordinal);
        Assert.True(tokens >= 4000 && TokenCounter.CountPrompt(TokenizerFamily.SimChars4, messages) <= tokens);
        Assert.True(messages.Count > 20);
    }

    [Fact]
    public void Output_HonestCounts_Pass()
    {
        var samples = new List<CountingSample>();
        for (var i = 0; i < 20; i++)
        {
            var text = string.Join(' ', Enumerable.Range(1, 50 + i));
            samples.Add(new CountingSample(50 + i, 500, AuditFinish.Stop, text, (text.Length + 3) / 4, (text.Length + 3) / 4));
        }

        for (var i = 0; i < 10; i++)
        {
            samples.Add(new CountingSample(2000, 32, AuditFinish.Length, "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43", 32, 32));
        }

        Assert.Equal(AuditVerdict.Pass, OutputCheck.Evaluate(samples, Alpha).Verdict);
    }

    [Fact]
    public void Output_CountsCutShortWithStop_Fail()
    {
        var samples = Enumerable.Range(0, 20).Select(i =>
        {
            var text = string.Join(' ', Enumerable.Range(1, 30));
            return new CountingSample(100 + i, 500, AuditFinish.Stop, text, 22, 22);
        }).ToArray();
        var result = OutputCheck.Evaluate(samples, Alpha);
        Assert.Equal(AuditVerdict.Fail, result.Verdict);
        Assert.Equal(1.0, result.Effect);
    }

    [Fact]
    public void Output_OverTheLimitOrFalseLength_Fail()
    {
        var over = Enumerable.Range(0, 10).Select(static _ => new CountingSample(2000, 16, AuditFinish.Length, "1 2 3", 40, null)).ToArray();
        Assert.Equal(AuditVerdict.Fail, OutputCheck.Evaluate(over, Alpha).Verdict);
        var early = Enumerable.Range(0, 10).Select(static _ => new CountingSample(2000, 48, AuditFinish.Length, "1 2 3", 2, 2)).ToArray();
        Assert.Equal(AuditVerdict.Fail, OutputCheck.Evaluate(early, Alpha).Verdict);
    }

    [Fact]
    public void Replay_DistinctAnswers_Pass_IdenticalAnswers_Fail()
    {
        var honest = Enumerable.Range(0, 6).Select(p => (IReadOnlyList<string>)Enumerable.Range(0, 5).Select(k => $"answer {p}-{k}").ToArray()).ToArray();
        var replayed = Enumerable.Range(0, 6).Select(p => (IReadOnlyList<string>)Enumerable.Repeat($"answer {p}", 5).ToArray()).ToArray();
        Assert.Equal((0, 24), ReplayCheck.CountRepeats(honest));
        Assert.Equal((24, 24), ReplayCheck.CountRepeats(replayed));
        Assert.Equal(AuditVerdict.Pass, ReplayCheck.Evaluate(honest, null, Alpha).Verdict);
        Assert.Equal(AuditVerdict.Fail, ReplayCheck.Evaluate(replayed, null, Alpha).Verdict);
        Assert.Equal(AuditVerdict.Fail, ReplayCheck.Evaluate(replayed, honest, Alpha).Verdict);

        // A reference that repeats as often leaves the target unremarkable.
        Assert.Equal(AuditVerdict.Pass, ReplayCheck.Evaluate(replayed, replayed, Alpha).Verdict);
    }

    [Fact]
    public void Tools_OneUndeclaredCall_IsProof()
    {
        var samples = Enumerable.Range(0, 10).Select(static _ => new ToolSample([], [])).ToList();
        samples.Add(new ToolSample([], [new AuditToolCall("get_weather", "{}")]));
        var result = ToolsCheck.Evaluate(samples, Alpha);
        Assert.Equal(AuditVerdict.Fail, result.Verdict);
        Assert.Contains("declared no tools", result.Findings[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Tools_DeclaredCallsWithValidArguments_Pass_InvalidOnes_Fail()
    {
        var tools = ToolsCheck.DeclaredTools();
        var valid = Enumerable.Range(0, 10).Select(_ => new ToolSample(tools, [new AuditToolCall("get_weather", """{"city":"Paris","unit":"celsius"}""")])).ToArray();
        Assert.Equal(AuditVerdict.Pass, ToolsCheck.Evaluate(valid, Alpha).Verdict);
        var invalid = Enumerable.Range(0, 10).Select(_ => new ToolSample(tools, [new AuditToolCall("get_weather", """{"town":"Paris"}""")])).ToArray();
        Assert.Equal(AuditVerdict.Fail, ToolsCheck.Evaluate(invalid, Alpha).Verdict);
        var renamed = Enumerable.Range(0, 10).Select(_ => new ToolSample(tools, [new AuditToolCall("send_email", "{}")])).ToArray();
        Assert.Equal(AuditVerdict.Fail, ToolsCheck.Evaluate(renamed, Alpha).Verdict);
    }

    [Theory]
    [InlineData("""{"city":"Paris"}""", null)]
    [InlineData("""{"city":"Paris","unit":"kelvin"}""", "arguments.unit is not one of the allowed values")]
    [InlineData("""{"unit":"celsius"}""", "arguments.city is required but missing")]
    [InlineData("""{"city":"Paris","country":"FR"}""", "arguments.country is not a declared property")]
    [InlineData("""{"city":42}""", "arguments.city is not of type string")]
    [InlineData("""[1]""", "arguments is not of type object")]
    [InlineData("""{not json""", "the arguments are not JSON")]
    public void ToolSchemaValidator_TheDeclaredSubset_IsChecked(string arguments, string? error) =>
        Assert.Equal(error, ToolSchemaValidator.Validate(ToolsCheck.DeclaredTools()[0].Parameters, arguments));

    [Fact]
    public void ToolSchemaValidator_IntegerAndArrays_AreChecked()
    {
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["n"] = new JsonObject { ["type"] = "integer" },
                ["tags"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
            },
        };
        Assert.Null(ToolSchemaValidator.Validate(schema, """{"n":3,"tags":["a"]}"""));
        Assert.Equal("arguments.n is not of type integer", ToolSchemaValidator.Validate(schema, """{"n":3.5}"""));
        Assert.Equal("arguments.tags[1] is not of type string", ToolSchemaValidator.Validate(schema, """{"tags":["a",2]}"""));
    }

    [Theory]
    [InlineData("I am sim-small, a simulated model.", "sim-large", "sim-small")]
    [InlineData("I am sim-large, a simulated model.", "sim-large", null)]
    [InlineData("I'm ChatGPT, based on GPT-4.", "gpt-4o-mini", null)]
    [InlineData("I am Claude 3.5 Sonnet, made by Anthropic.", "claude-3-5-sonnet-20241022", null)]
    [InlineData("I am Claude, an AI assistant.", "claude-sonnet-4-5", null)]
    [InlineData("I'm GPT-4o, a model by OpenAI.", "claude-sonnet-4-5", "gpt-4o")]
    [InlineData("I am a large language model.", "gpt-4o", null)]
    [InlineData("I'm Gemini 1.5 Flash.", "anthropic/claude-opus-4", "gemini 1.5 flash")]
    public void ModelNames_OtherModel_IsOnlyANamedDifferentModel(string answer, string requested, string? other) =>
        Assert.Equal(other, ModelNames.OtherModel(answer, requested));

    [Fact]
    public void Substitution_IdentityNamingAnotherModel_FailsWithoutReference()
    {
        var answers = Enumerable.Repeat("I am sim-small, a simulated model.", 20).ToArray();
        var result = SubstitutionCheck.EvaluateFingerprints("sim-large", TokenizerFamily.SimChars4, answers, [], [], [], Alpha, new Random(1));
        Assert.Equal(AuditVerdict.Fail, result.Verdict);
        Assert.Equal(1.0, result.Effect);
        Assert.True(result.PValue < Alpha);
    }

    [Fact]
    public void Substitution_HonestIdentity_Passes_AndAFewMisnamesDoNotFail()
    {
        var honest = Enumerable.Repeat("I am sim-large, a simulated model.", 20).ToArray();
        Assert.Equal(AuditVerdict.Pass, SubstitutionCheck.EvaluateFingerprints("sim-large", TokenizerFamily.SimChars4, honest, [], [], [], Alpha, new Random(1)).Verdict);
        var someMisnamed = honest.Take(14).Concat(Enumerable.Repeat("I'm GPT-4.", 6)).ToArray();
        Assert.Equal(AuditVerdict.Pass, SubstitutionCheck.EvaluateFingerprints("sim-large", TokenizerFamily.SimChars4, someMisnamed, [], [], [], Alpha, new Random(1)).Verdict);
    }

    [Fact]
    public void Substitution_UsageFromAnotherTokenizer_IsCaughtBySignTest()
    {
        string[] texts =
        [
            "Answer OK. Привет, как дела? Это короткий тест токенизатора.", "Answer OK. 日本語のテキストを少し書きます。",
            "Answer OK. Größe, Straße, Übermäßig, Ærøskøbing", "Answer OK. αβγδεζηθικλμνξοπρστυφχψω", "Answer OK. def f(x): return x ** 2",
            "Answer OK. 😀😃😄😁😆😅😂🤣", "Answer OK. SELECT id FROM users WHERE x >= 3;", "Answer OK. 0x7fffffff 0xdeadbeef 0b101010",
            "Answer OK. <html><body><div class=\"x\">&nbsp;</div></body></html>", "Answer OK.                              spaces",
        ];
        var samples = texts.Select(t => ((IReadOnlyList<AuditMessage>)[AuditMessage.User(t)], (long)TokenCounter.Count(TokenizerFamily.Cl100k, t) + 7)).ToArray();
        var (better, p, _) = SubstitutionCheck.TokenizerSignTest(TokenizerFamily.O200k, samples);
        Assert.Equal(TokenizerFamily.Cl100k, better);
        Assert.True(p < Alpha / 3, $"p = {p}");
        var honest = texts.Select(t => ((IReadOnlyList<AuditMessage>)[AuditMessage.User(t)], (long)TokenCounter.Count(TokenizerFamily.O200k, t) + 7)).ToArray();
        Assert.Equal(1.0, SubstitutionCheck.TokenizerSignTest(TokenizerFamily.O200k, honest).PValue);
    }

    [Fact]
    public void Substitution_WithReference_DifferentAnswerDistributions_Fail_SameOnesPass()
    {
        var random = new Random(5);
        string[] calm = ["river", "stone", "light", "green", "quiet", "morning", "garden", "the", "a"];
        string[] busy = ["vector", "signal", "rapid", "engine", "system", "current", "the", "a", "grid"];
        List<MmdSample> Draw(string[] words) =>
            [.. Enumerable.Range(0, 40).Select(i => new MmdSample(i % 8, string.Join(' ', Enumerable.Range(0, 15).Select(_ => words[random.Next(words.Length)]))))];
        var substituted = SubstitutionCheck.EvaluateReference(Draw(busy), Draw(calm), Alpha, random);
        Assert.Equal(AuditVerdict.Fail, substituted.Verdict);
        Assert.Equal("MMD²", substituted.EffectName);
        Assert.Equal(2, substituted.Charts[0].Series.Count);
        Assert.Equal(AuditVerdict.Pass, SubstitutionCheck.EvaluateReference(Draw(calm), Draw(calm), Alpha, random).Verdict);
    }
}
