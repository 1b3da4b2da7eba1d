namespace Warden.Core.Trust;

/// <summary>
/// The parts of a C2SP signed note (https://c2sp.org/signed-note, "Format"): the text (ending in a newline), a blank
/// line, then signature lines "— &lt;key name&gt; base64(4-byte key ID || signature)". Parsing checks only the form;
/// <see cref="SignedCheckpoint"/> decides which signatures count.
/// </summary>
/// <param name="Text">The note text, final newline included.</param>
/// <param name="Signatures">The signature lines, in order.</param>
public sealed record SignedNote(string Text, IReadOnlyList<NoteSignature> Signatures)
{
    /// <summary>More than this many signature lines is refused (the spec asks to accept at least 16).</summary>
    public const int MaxSignatures = 64;

    private const string Prefix = "\u2014 ";

    /// <summary>Splits a signed note; anything not in the note form is refused with a reason.</summary>
    public static bool TryParse(string? note, out SignedNote? parsed, out string? error)
    {
        parsed = null;
        if (string.IsNullOrEmpty(note) || note[^1] != '\n')
        {
            error = "a signed note ends with a newline";
            return false;
        }

        if (note.Any(c => c < ' ' && c != '\n') || note.Any(char.IsSurrogate) && !IsWellFormed(note))
        {
            error = "a signed note has no control characters other than newline";
            return false;
        }

        // The text is separated from the signatures by the last empty line.
        int split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            error = "no empty line between the note text and its signatures";
            return false;
        }

        string text = note[..(split + 1)];
        string[] lines = note[(split + 2)..^1].Split('\n');
        if (lines.Length > MaxSignatures)
        {
            error = $"more than {MaxSignatures} signature lines";
            return false;
        }

        var signatures = new List<NoteSignature>(lines.Length);
        foreach (string line in lines)
        {
            if (!TryParseLine(line, out NoteSignature? signature))
            {
                error = "a signature line is not \"— <key name> <base64 of key ID and signature>\"";
                return false;
            }

            signatures.Add(signature!);
        }

        parsed = new SignedNote(text, signatures);
        error = null;
        return true;
    }

    /// <summary>Parses the signature lines of a witness's answer (each "— name base64\n").</summary>
    public static bool TryParseSignatureLines(string? lines, out IReadOnlyList<NoteSignature> signatures)
    {
        var list = new List<NoteSignature>();
        signatures = list;
        if (string.IsNullOrEmpty(lines) || lines[^1] != '\n')
        {
            return false;
        }

        foreach (string line in lines[..^1].Split('\n'))
        {
            if (list.Count == MaxSignatures || !TryParseLine(line, out NoteSignature? signature))
            {
                return false;
            }

            list.Add(signature!);
        }

        return true;
    }

    private static bool TryParseLine(string line, out NoteSignature? signature)
    {
        signature = null;
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        string[] fields = line[Prefix.Length..].Split(' ');
        if (fields.Length != 2 || !NoteVerifier.IsValidKeyName(fields[0]))
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(fields[1]);
        }
        catch (FormatException)
        {
            return false;
        }

        if (bytes.Length < 5 || Convert.ToBase64String(bytes) != fields[1])
        {
            return false;
        }

        signature = new NoteSignature(fields[0], System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes), bytes[4..], line + "\n");
        return true;
    }

    private static bool IsWellFormed(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>One signature line of a note.</summary>
/// <param name="KeyName">The key name.</param>
/// <param name="KeyId">The 4-byte key ID.</param>
/// <param name="Signature">The bytes after the key ID.</param>
/// <param name="Line">The whole line, with its newline.</param>
public sealed record NoteSignature(string KeyName, uint KeyId, byte[] Signature, string Line)
{
    /// <summary>Whether this line names <paramref name="verifier"/> (both name and key ID: the spec ignores a match of one).</summary>
    public bool IsBy(NoteVerifier verifier)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        return KeyName == verifier.Name && KeyId == verifier.KeyId;
    }
}
