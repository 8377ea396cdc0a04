package mmsim.mm.linux;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** A layout line's words are what {@code split("\\s+")} made of it before (the parser ran it on every start). */
class MachineLayoutWordsTest {
    @Provide
    Arbitrary<String> lines() {
        return Arbitraries.strings().withChars("ab0x+M \t\u000B\f\r\u00A0\u2003\u0085#").ofMinLength(1).ofMaxLength(24)
                .map(String::strip).filter(s -> !s.isEmpty());
    }

    @Property(tries = 1000)
    void wordsAreTheRegexSplit(@ForAll("lines") String line) {
        assertArrayEquals(line.split("\\s+"), MachineLayout.words(line), line);
    }
}
