package dev.hpc.api.pbs;

import java.util.List;

/**
 * Whether a submission asks its submitter to wait for the job to end: OpenPBS's
 * {@code qsub -W block=true} (on the command line or as a {@code #PBS} directive) and sbatch's
 * {@code --wait} ({@code #SBATCH --wait} or {@code -W}). The head reads these options too but they
 * change nothing in the job; only qsub acts on them, so it reads them here, as the head would.
 */
public final class SubmitBlocking {
    private SubmitBlocking() {
    }

    /**
     * The script's directives from the top, then the command line: the last {@code block=} wins; an
     * {@code #SBATCH --wait} asks to wait unless a later {@code block=false} says otherwise. An option
     * the head would refuse is refused here the same way.
     */
    public static boolean requested(String script, List<String> options) {
        boolean block = false;
        for (JobScripts.Directive d : JobScripts.directives(script)) {
            Origin origin = Origin.scriptLine(d.line());
            switch (d.dialect()) {
                case PBS -> block = qsubBlock(QsubOptions.WORDS.read(d.words(), origin), origin, block);
                case SLURM -> {
                    for (OptionWords.Option o : SbatchOptions.WORDS.read(d.words(), origin)) {
                        if (o.name().equals("wait")) {
                            block = true;
                        }
                    }
                }
                default -> throw new IllegalStateException("unknown dialect " + d.dialect() + "; should never happen");
            }
        }
        return qsubBlock(QsubOptions.WORDS.read(options, Origin.COMMAND_LINE), Origin.COMMAND_LINE, block);
    }

    private static boolean qsubBlock(List<OptionWords.Option> options, Origin origin, boolean before) {
        boolean[] block = {before};
        for (OptionWords.Option o : options) {
            if (o.name().equals("W")) {
                origin.within(o.written(), () -> {
                    for (String[] attribute : QsubOptions.attributeList(o.value())) {
                        if (attribute[0].equals("block")) {
                            block[0] = QsubOptions.block(attribute[1]);
                        }
                    }
                });
            }
        }
        return block[0];
    }
}
