package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a directive line into words the way {@code sh} would, without any expansion: blanks
 * separate words, single quotes keep everything literally, double quotes keep everything but
 * {@code \" \\ \$ \`}, a backslash outside quotes escapes the next character, and an unquoted
 * {@code #} at the start of a word begins a comment.
 */
public final class ShellWords {

    private ShellWords() {
    }

    public static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new InvalidRequestException("unterminated single quote; close it with '");
                }
                word.append(line, i + 1, end);
                inWord = true;
                i = end + 1;
            } else if (c == '"') {
                i = appendDoubleQuoted(line, i + 1, word);
                inWord = true;
            } else if (c == '\\') {
                if (i + 1 >= n) {
                    throw new InvalidRequestException("a backslash at the end of a directive does not continue it "
                            + "on the next line; put the whole directive on one line");
                }
                word.append(line.charAt(i + 1));
                inWord = true;
                i += 2;
            } else if (c == ' ' || c == '\t') {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                i++;
            } else if (c == '#' && !inWord) {
                break;
            } else {
                word.append(c);
                inWord = true;
                i++;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return List.copyOf(words);
    }

    /** Appends the text after an opening double quote at {@code start}; returns the index after the closing one. */
    private static int appendDoubleQuoted(String line, int start, StringBuilder word) {
        int i = start;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '"') {
                return i + 1;
            }
            if (c == '\\' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
                word.append(line.charAt(i + 1));
                i += 2;
            } else {
                word.append(c);
                i++;
            }
        }
        throw new InvalidRequestException("unterminated double quote; close it with \"");
    }
}
