using Warden.Core.Canonical;
using Warden.Core.Protection;
using Warden.Server.Relay;

namespace Warden.Server.Tests.Relay;

/// <summary>
/// Issue 20: a masked request's answer comes back with the values restored, visible reasoning included, while the
/// reasoning's signature (which a provider computed over the masked text) passes unchanged.
/// </summary>
public sealed class AnswerUnmaskerTests
{
    private const string Mobile = "13800138000";

    private static (PlaceholderMap Map, string Placeholder) Masked()
    {
        var request = new CanonicalRequest { Origin = WireDialectName.Anthropic, Model = "m" };
        request.Messages.Add(new Message(MessageRole.User, [new TextBlock("call " + Mobile)]));
        var masking = PersonalDataDetector.Default.Mask(request, new byte[32]);
        string text = ((TextBlock)masking.Request.Messages[0].Content[0]).Text;
        Assert.DoesNotContain(Mobile, text, StringComparison.Ordinal);
        return (masking.Map, text["call ".Length..]);
    }

    [Fact]
    public void StreamedReasoning_CutInsideAPlaceholder_IsRestoredWhole_AndItsSignaturePassesUnchanged()
    {
        var (map, placeholder) = Masked();
        int cut = placeholder.Length / 2;
        var events = new List<StreamEvent>
        {
            new BlockStarted(0, BlockKind.Reasoning),
            new ReasoningDelta(0, "The user gave " + placeholder[..cut]),
            new ReasoningDelta(0, placeholder[cut..] + " as their number."),
            new ReasoningDelta(0, null, Signature: "sig-over-" + placeholder),
            new BlockStopped(0),
            new BlockStarted(1, BlockKind.Text),
            new TextDelta(1, "Calling " + placeholder[..3]),
            new TextDelta(1, placeholder[3..]),
            new BlockStopped(1),
        };

        new AnswerUnmasker(map).Restore(events);

        var reasoning = events.OfType<ReasoningDelta>().ToList();
        Assert.Equal("The user gave " + Mobile + " as their number.", string.Concat(reasoning.Select(d => d.Text)));
        Assert.Equal("sig-over-" + placeholder, Assert.Single(reasoning, d => d.Signature is not null).Signature);

        // Every visible piece of the reasoning goes out before its signature.
        Assert.True(reasoning.FindLastIndex(d => d.Text is not null) < reasoning.FindIndex(d => d.Signature is not null));
        Assert.Equal("Calling " + Mobile, string.Concat(events.OfType<TextDelta>().Select(d => d.Text)));
    }

    [Fact]
    public void CompleteAnswer_RestoresReasoningText_AndKeepsItsSignature()
    {
        var (map, placeholder) = Masked();
        var answer = new CanonicalResponse(
            "r1",
            "m",
            [
                new ReasoningBlock("Number " + placeholder + ".", "sig", null, null, null, WireDialectName.Anthropic),
                new TextBlock("Calling " + placeholder),
            ],
            StopReason.EndTurn,
            new Core.Chat.Usage(1, 1, null, null, null, Core.Chat.UsageSource.Reported));

        var restored = new AnswerUnmasker(map).Restore(answer);

        var thinking = Assert.IsType<ReasoningBlock>(restored.Content[0]);
        Assert.Equal("Number " + Mobile + ".", thinking.Text);
        Assert.Equal("sig", thinking.Signature);
        Assert.Equal("Calling " + Mobile, Assert.IsType<TextBlock>(restored.Content[1]).Text);
    }
}
