using System.Text.Json.Nodes;
using Warden.Server.Audit.Stats;

namespace Warden.Server.Audit.Checks;

/// <summary>One answer for the tools check: the tools the request declared and the calls that came back.</summary>
internal sealed record ToolSample(IReadOnlyList<AuditToolDefinition> Declared, IReadOnlyList<AuditToolCall> Calls);

/// <summary>
/// Are tool calls the model's own? Requests that declare no tools must get no tool call; requests that declare tools
/// must get only declared names, with arguments valid against the declared schema. A call to a tool the request never
/// declared cannot come from the model (the provider has nothing to call it with): one is proof of an injected call, so
/// the check fails on the first. Invalid arguments can be a model's own mistake, so they fail only when significantly
/// more common than <see cref="InvalidArgumentsNullShare"/> (one-sided binomial test).
/// </summary>
internal sealed class ToolsCheck : IAuditCheck
{
    /// <summary>The share of calls with schema-invalid arguments tolerated from an honest model.</summary>
    public const double InvalidArgumentsNullShare = 0.1;

    private const int Requests = 20;

    private static readonly string[] NoToolPrompts =
    [
        "What is the weather usually like in Lisbon in spring? Answer in one sentence.",
        "What time zone is Tokyo in? Answer briefly.",
        "Suggest a name for a pet goldfish.",
        "How many days are there in a leap year?",
        "Give one tip for keeping houseplants healthy.",
    ];

    private static readonly string[] ToolPrompts =
    [
        "What is the weather in Paris right now? Use the tool.",
        "Check the current weather in Oslo in celsius.",
        "What time is it in Europe/Berlin? Use the tool.",
        "Look up the weather in Nairobi, in fahrenheit.",
        "What is the current time in America/New_York?",
    ];

    public string Id => AuditCheckIds.Tools;

    public string Title => "Injected tool calls";

    public int DefaultRequests => Requests;

    /// <summary>The tools declared in the "with tools" half: a small schema subset the validator checks in full.</summary>
    internal static IReadOnlyList<AuditToolDefinition> DeclaredTools() =>
    [
        new("get_weather", "Current weather for a city.", new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["city"] = new JsonObject { ["type"] = "string" },
                ["unit"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("celsius", "fahrenheit") },
            },
            ["required"] = new JsonArray("city"),
            ["additionalProperties"] = false,
        }),
        new("get_time", "Current time in an IANA time zone.", new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["timezone"] = new JsonObject { ["type"] = "string" } },
            ["required"] = new JsonArray("timezone"),
            ["additionalProperties"] = false,
        }),
    ];

    public async Task<AuditCheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var budget = new CheckBudget(context);
        var total = Math.Min(Requests, context.RequestBudget);
        if (total < 4)
        {
            return budget.Spent(Result(AuditVerdict.Inconclusive, $"a budget of {context.RequestBudget} requests is too small (needs 4)"));
        }

        var samples = new List<ToolSample>();
        for (var i = 0; i < total; i++)
        {
            var withTools = i % 2 == 1;
            IReadOnlyList<AuditToolDefinition> declared = withTools ? DeclaredTools() : [];
            var text = withTools ? ToolPrompts[(i / 2) % ToolPrompts.Length] : NoToolPrompts[(i / 2) % NoToolPrompts.Length];
            var reply = await budget.SendAsync(context.Target, new AuditPrompt { Messages = [AuditMessage.User(text)], Tools = declared, MaxTokens = 200 }, cancellationToken);
            if (reply is { Succeeded: true })
            {
                samples.Add(new ToolSample(declared, reply.ToolCalls));
            }
        }

        return budget.Spent(Evaluate(samples, context.Settings.Alpha));
    }

    internal static AuditCheckResult Evaluate(IReadOnlyList<ToolSample> samples, double alpha)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count < 4)
        {
            return Result(AuditVerdict.Inconclusive, $"only {samples.Count} answers came back; at least 4 are needed");
        }

        var findings = new List<string>();
        var undeclared = 0;
        var invalid = 0;
        var declaredCalls = 0;
        var withoutTools = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            withoutTools += sample.Declared.Count == 0 ? 1 : 0;
            foreach (var call in sample.Calls)
            {
                var tool = sample.Declared.FirstOrDefault(t => string.Equals(t.Name, call.Name, StringComparison.Ordinal));
                if (tool is null)
                {
                    undeclared++;
                    findings.Add(sample.Declared.Count == 0
                        ? $"answer {i + 1} called {call.Name}, but the request declared no tools"
                        : $"answer {i + 1} called {call.Name}, which was not declared");
                    continue;
                }

                declaredCalls++;
                if (ToolSchemaValidator.Validate(tool.Parameters, call.ArgumentsJson) is string error)
                {
                    invalid++;
                    findings.Add($"answer {i + 1} called {call.Name} with invalid arguments: {error}");
                }
            }
        }

        var pInvalid = invalid == 0 ? 1 : BinomialTest.UpperTail(invalid, declaredCalls, InvalidArgumentsNullShare);
        var invalidFails = pInvalid < alpha;
        var chart = new AuditChart("Tool calls by kind", AuditChartKind.Histogram, "kind", "calls",
            [new AuditSeries("calls", [new AuditPoint(0, undeclared, Label: "undeclared"), new AuditPoint(1, invalid, Label: "invalid arguments"), new AuditPoint(2, declaredCalls - invalid, Label: "valid")])]);
        if (undeclared > 0)
        {
            return Result(AuditVerdict.Fail, $"{undeclared} tool call(s) to tools the request never declared: a model cannot produce these, so one is already proof of injection") with
            {
                EffectName = "undeclared tool calls",
                Effect = undeclared,
                PValue = invalidFails ? pInvalid : null,
                Findings = findings.Take(20).ToArray(),
                Charts = [chart],
            };
        }

        return Result(
            invalidFails ? AuditVerdict.Fail : AuditVerdict.Pass,
            invalidFails
                ? $"{invalid} of {declaredCalls} tool calls have arguments that break the declared schema, more than a model's own mistakes explain (p = {pInvalid:G3})"
                : $"no undeclared tool call in {samples.Count} answers ({withoutTools} without tools); {invalid} of {declaredCalls} declared calls with invalid arguments") with
        {
            EffectName = "undeclared tool calls",
            Effect = 0,
            PValue = pInvalid,
            Findings = findings.Take(20).ToArray(),
            Charts = [chart],
        };
    }

    private static AuditCheckResult Result(AuditVerdict verdict, string summary) => new()
    {
        Id = AuditCheckIds.Tools,
        Title = "Injected tool calls",
        Verdict = verdict,
        Summary = summary,
    };
}
