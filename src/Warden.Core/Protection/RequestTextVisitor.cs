namespace Warden.Core.Protection;

/// <summary>What <see cref="RequestTextWalker"/> calls for each text-bearing place of a request.</summary>
internal abstract class RequestTextVisitor
{
    /// <summary>Parts that cannot be inspected: images, audio, binary documents, files by reference.</summary>
    public int NotInspected { get; set; }

    /// <summary>Whether the visitor may change texts (then JSON texts are rewritten as they are read).</summary>
    public abstract bool Rewrites { get; }

    /// <summary>Visits one text; returns it unchanged (the same instance) or its replacement.</summary>
    public abstract string Text(string text);

    /// <summary>Visits a JSON number's literal; returns a string to stand in its place when the whole number is a value found, else null.</summary>
    public abstract string? WholeNumber(string literal);
}
