namespace Warden.Core.Protection;

/// <summary>
/// An operator-defined recogniser: a name (its class is <c>custom:&lt;name&gt;</c>) and a .NET regular expression.
/// The expression is compiled with <see cref="System.Text.RegularExpressions.RegexOptions.NonBacktracking"/>, so its
/// cost is linear in the text whatever the operator writes; constructs that need backtracking (look-arounds,
/// back-references, atomic groups) are refused when the detector is built.
/// </summary>
public sealed record CustomPersonalDataPattern(string Name, string Pattern)
{
    public const int MaxNameLength = 32;

    /// <summary>Whether <paramref name="name"/> is 1 to 32 characters of a-z, 0-9, '_' and '-' (it becomes part of a placeholder).</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
