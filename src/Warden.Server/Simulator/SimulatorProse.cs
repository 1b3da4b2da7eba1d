using System.Text;

namespace Warden.Server.Simulator;

/// <summary>
/// A model's ordinary answer: "Simulated", then words drawn from the model's style in sentences of its length and
/// punctuation, with a few topic words chosen by the prompt (so the text still depends on what was asked). The
/// answer's random sequence decides everything else: seeded from the prompt it is deterministic, drawn fresh it
/// is a sample.
/// </summary>
internal static class SimulatorProse
{
    private const int TopicWords = 2;
    private const double TopicRate = 0.12;

    public static string Answer(SimulatorModelStyle style, string promptText, SimulatorSeed seed)
    {
        ArgumentNullException.ThrowIfNull(style);
        var words = style.MinWords + seed.Next(style.MaxWords - style.MinWords + 1);
        var topics = new string[TopicWords];
        for (var t = 0; t < TopicWords; t++)
        {
            topics[t] = SimulatorText.Word(string.Concat("topic\n", ((char)('0' + t)).ToString(), "\n", promptText));
        }

        var builder = new StringBuilder(SimulatorText.AnswerPrefix, words * 10);
        var sentence = NextSentence(style, ref seed);
        var inSentence = 1;
        var capitalise = false;
        for (var i = 1; i < words; i++)
        {
            if (inSentence >= sentence)
            {
                builder.Append(EndOfSentence(style, ref seed)).Append(' ');
                sentence = NextSentence(style, ref seed);
                inSentence = 0;
                capitalise = true;
            }
            else
            {
                var mark = seed.NextDouble();
                builder.Append(mark < style.Comma ? ", " : mark < style.Comma + style.Semicolon ? "; " : " ");
            }

            var word = seed.NextDouble() < TopicRate
                ? topics[seed.Next(TopicWords)]
                : style.Draw(ref seed);
            if (capitalise)
            {
                builder.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
                capitalise = false;
            }
            else
            {
                builder.Append(word);
            }

            inSentence++;
        }

        // The last sentence always ends with a full stop, whatever the style does inside the answer.
        return builder.Append('.').ToString();
    }

    private static int NextSentence(SimulatorModelStyle style, ref SimulatorSeed seed) =>
        style.MinSentence + seed.Next(style.MaxSentence - style.MinSentence + 1);

    private static char EndOfSentence(SimulatorModelStyle style, ref SimulatorSeed seed) =>
        seed.NextDouble() < style.Exclamation ? '!' : '.';
}
