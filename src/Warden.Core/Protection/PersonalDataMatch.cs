namespace Warden.Core.Protection;

/// <summary>One value found in a text: its class and where it is (UTF-16 offsets). The value itself is not kept.</summary>
public readonly record struct PersonalDataMatch(PersonalDataClass Class, int Start, int Length)
{
    public int End => Start + Length;
}
